// Name and label formats (apimachinery pkg/util/validation), with their exact messages.

const DNS1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const DNS1035_LABEL = "[a-z]([-a-z0-9]*[a-z0-9])?";
const QUALIFIED_NAME = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_VALUE = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";

const full = (re: string) => new RegExp(`^${re}$`);
const reLabel = full(DNS1123_LABEL);
const reSubdomain = full(DNS1123_SUBDOMAIN);
const re1035 = full(DNS1035_LABEL);
const reQualified = full(QUALIFIED_NAME);
const reLabelValue = full(LABEL_VALUE);

const maxLen = (n: number) => `must be no more than ${n} characters`;

/** A DNS-1123 label (namespaces, container names, port names...): [] when valid. */
export function isDNS1123Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLen(63));
  if (!reLabel.test(v))
    errs.push(`a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '${DNS1123_LABEL}')`);
  return errs;
}

/**
 * An IANA_SVC_NAME: a port name (container ports, a Service's string targetPort). Each failed
 * rule adds its own message [apimachinery pkg/util/validation/validation.go IsValidPortName].
 */
export function isValidPortName(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 15) errs.push(maxLen(15));
  if (!/^[-a-z0-9]+$/.test(v)) errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (!/[a-z]/.test(v)) errs.push("must contain at least one letter (a-z)");
  if (v.includes("--")) errs.push("must not contain consecutive hyphens");
  if (v.length > 0 && (v[0] === "-" || v[v.length - 1] === "-")) errs.push("must not begin or end with a hyphen");
  return errs;
}

/** A DNS-1123 subdomain (most object names). */
export function isDNS1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push(maxLen(253));
  if (!reSubdomain.test(v))
    errs.push(`a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${DNS1123_SUBDOMAIN}')`);
  return errs;
}

/** A DNS-1035 label (Service names: must start with a letter). */
export function isDNS1035Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLen(63));
  if (!re1035.test(v))
    errs.push(`a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '${DNS1035_LABEL}')`);
  return errs;
}

/** Path-segment names (RBAC objects): anything but ".", "..", or containing "/" or "%". */
export function isPathSegmentName(v: string): string[] {
  if (v === "." || v === "..") return [`may not be '${v}'`];
  for (const bad of ["/", "%"]) if (v.includes(bad)) return [`may not contain '${bad}'`];
  return [];
}

/** A label or annotation key: an optional DNS subdomain prefix and a qualified name. */
export function isQualifiedName(v: string): string[] {
  const parts = v.split("/");
  let name = v;
  const errs: string[] = [];
  if (parts.length === 2) {
    const [prefix, n] = parts;
    name = n;
    if (prefix.length === 0) errs.push("prefix part must be non-empty");
    else for (const m of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${m}`);
  } else if (parts.length > 2) {
    return [`a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${QUALIFIED_NAME}') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  if (name.length === 0) errs.push("name part must be non-empty");
  else if (name.length > 63) errs.push(`name part ${maxLen(63)}`);
  if (name.length > 0 && !reQualified.test(name))
    errs.push(`name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${QUALIFIED_NAME}')`);
  return errs;
}

export function isValidLabelValue(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLen(63));
  if (!reLabelValue.test(v))
    errs.push(`a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '${LABEL_VALUE}')`);
  return errs;
}
