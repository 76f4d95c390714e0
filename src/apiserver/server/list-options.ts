// ListOptions as the real handlers check them before anything reaches storage: which
// combinations of resourceVersion, resourceVersionMatch, continue and sendInitialEvents a list or
// a watch may carry. A bad combination is a 422 `ListOptions.meta.k8s.io "" is invalid: ...`
// [apimachinery@1.32 pkg/apis/meta/internalversion/validation/validation.go ValidateListOptions,
// apiserver@1.32 pkg/endpoints/handlers/get.go ListResource].

import { Errors } from "../registry/errors";
import { field, FieldError } from "../registry/field-errors";
import type { RestRequest } from "../rest";
import { query } from "./request-info";

export interface ListParams {
  resourceVersion: string;
  resourceVersionMatch: "" | "Exact" | "NotOlderThan";
  continue?: string;
  /** Watch only: undefined (not sent), true or false. */
  sendInitialEvents?: boolean;
}

export function listParams(req: RestRequest, watch: boolean): ListParams {
  const resourceVersion = query(req, "resourceVersion") ?? "";
  if (resourceVersion !== "" && !/^\d+$/.test(resourceVersion))
    throw Errors.badRequest(`resourceVersion: Invalid value: "${resourceVersion}": strconv.ParseUint: parsing "${resourceVersion}": invalid syntax`);
  const match = query(req, "resourceVersionMatch") ?? "";
  const cont = query(req, "continue") || undefined;
  const sie = query(req, "sendInitialEvents");
  // The query decoder parses booleans strictly (strconv.ParseBool).
  let sendInitialEvents: boolean | undefined;
  if (sie !== undefined) {
    if (["true", "1", "t", "T", "TRUE", "True"].includes(sie)) sendInitialEvents = true;
    else if (["false", "0", "f", "F", "FALSE", "False"].includes(sie)) sendInitialEvents = false;
    else throw Errors.badRequest(`sendInitialEvents: Invalid value: "${sie}": strconv.ParseBool: parsing "${sie}": invalid syntax`);
  }
  const errs: FieldError[] = [];
  const rvm = "resourceVersionMatch";
  if (watch) {
    if (sendInitialEvents !== undefined && match !== "NotOlderThan") errs.push(field.forbidden(rvm, "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"));
    if (match) {
      if (sendInitialEvents === undefined) errs.push(field.forbidden(rvm, "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"));
      if (match !== "NotOlderThan") errs.push(field.notSupported(rvm, match, ["NotOlderThan"]));
      if (cont) errs.push(field.forbidden(rvm, "resourceVersionMatch is forbidden when continue is provided"));
    }
  } else {
    if (match) {
      if (!resourceVersion) errs.push(field.forbidden(rvm, "resourceVersionMatch is forbidden unless resourceVersion is provided"));
      if (cont) errs.push(field.forbidden(rvm, "resourceVersionMatch is forbidden when continue is provided"));
      if (match !== "Exact" && match !== "NotOlderThan") errs.push(field.notSupported(rvm, match, ["Exact", "NotOlderThan", ""]));
      if (match === "Exact" && resourceVersion === "0") errs.push(field.forbidden(rvm, `resourceVersionMatch "exact" is forbidden for resourceVersion "0"`));
    }
    if (sendInitialEvents !== undefined) errs.push(field.forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list"));
  }
  if (errs.length) throw Errors.invalid({ group: "meta.k8s.io", kind: "ListOptions" }, "", errs);
  // A continue token carries its own snapshot: a resourceVersion beside it is refused
  // [apiserver@1.32 pkg/storage/util.go ValidateListOptions].
  if (!watch && cont && resourceVersion !== "" && resourceVersion !== "0") throw Errors.badRequest("specifying resource version is not allowed when using continue");
  return { resourceVersion, resourceVersionMatch: match as ListParams["resourceVersionMatch"], continue: cont, sendInitialEvents };
}
