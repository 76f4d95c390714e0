// Field errors (apimachinery pkg/util/validation/field): a path into the object and what is
// wrong there. Their text is what kubectl shows after `is invalid:`, e.g.
// `spec.containers[0].image: Required value`.

export type FieldErrorType = "Required" | "Invalid" | "NotSupported" | "Duplicate" | "Forbidden" | "TooLong" | "TooMany" | "NotFound";

const TEXT: Record<FieldErrorType, [string, string]> = {
  Required: ["Required value", "FieldValueRequired"],
  Invalid: ["Invalid value", "FieldValueInvalid"],
  NotSupported: ["Unsupported value", "FieldValueNotSupported"],
  Duplicate: ["Duplicate value", "FieldValueDuplicate"],
  Forbidden: ["Forbidden", "FieldValueForbidden"],
  TooLong: ["Too long", "FieldValueTooLong"],
  TooMany: ["Too many", "FieldValueTooMany"],
  NotFound: ["Not found", "FieldValueNotFound"],
};

export class FieldError {
  constructor(
    readonly type: FieldErrorType,
    readonly field: string,
    readonly value: unknown,
    readonly detail: string,
    /** Whether the value is shown (Invalid, NotSupported, Duplicate, NotFound show it). */
    private readonly showValue: boolean,
  ) {}
  get reason(): string {
    return TEXT[this.type][1];
  }
  /** The message without the field: `Invalid value: "x": must be ...`. */
  detailMessage(): string {
    let s = TEXT[this.type][0];
    if (this.showValue) s += `: ${formatValue(this.value)}`;
    if (this.detail) s += `: ${this.detail}`;
    return s;
  }
  toString(): string {
    return `${this.field}: ${this.detailMessage()}`;
  }
}

/** Values as Go's %#v-ish printing in field errors: strings quoted, numbers bare. */
function formatValue(v: unknown): string {
  if (v instanceof GoValue) return v.text;
  if (typeof v === "string") return JSON.stringify(v);
  if (v === null || v === undefined) return "null";
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

/** A value already printed the Go way (e.g. map[string]string{"app":"b"}), shown as is. */
export class GoValue {
  constructor(readonly text: string) {}
  toJSON(): string {
    return this.text;
  }
}

export const field = {
  required: (path: string, detail = "") => new FieldError("Required", path, undefined, detail, false),
  invalid: (path: string, value: unknown, detail: string) => new FieldError("Invalid", path, value, detail, true),
  notSupported: (path: string, value: unknown, supported: string[]) =>
    new FieldError("NotSupported", path, value, supported.length ? `supported values: ${supported.map((x) => JSON.stringify(x)).join(", ")}` : "", true),
  duplicate: (path: string, value: unknown) => new FieldError("Duplicate", path, value, "", true),
  forbidden: (path: string, detail: string) => new FieldError("Forbidden", path, undefined, detail, false),
  tooLong: (path: string, max: number) => new FieldError("TooLong", path, undefined, `may not be more than ${max} bytes`, false),
  notFound: (path: string, value: unknown) => new FieldError("NotFound", path, value, "", true),
};

/** One error as is; several as `[a, b]`, the way utilerrors.NewAggregate prints them. */
export function aggregate(errs: FieldError[]): string {
  if (errs.length === 1) return errs[0].toString();
  return `[${errs.map((e) => e.toString()).join(", ")}]`;
}

/** A path builder: p.child("spec").child("containers").index(0) → spec.containers[0]. */
export class Path {
  constructor(readonly s: string = "") {}
  child(name: string): Path {
    return new Path(this.s ? `${this.s}.${name}` : name);
  }
  index(i: number): Path {
    return new Path(`${this.s}[${i}]`);
  }
  key(k: string): Path {
    return new Path(`${this.s}[${k}]`);
  }
  toString(): string {
    return this.s;
  }
}
