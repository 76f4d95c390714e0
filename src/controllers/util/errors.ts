// Reading API errors the way client-go's apierrors helpers do [k8s.io/apimachinery pkg/api/errors/errors.go].

/** v1.NamespaceTerminatingCause: a create refused because its namespace is being deleted. */
export const NamespaceTerminatingCause = "NamespaceTerminating";

/**
 * HasStatusCause: the error's Status lists this cause. In JSON a StatusCause carries its type in
 * the field "reason" (Go: `Type CauseType json:"reason"`), next to "message" and "field".
 */
export function hasStatusCause(err: unknown, cause: string): boolean {
  const causes = (err as { status?: { details?: { causes?: { reason?: string }[] } } } | undefined)?.status?.details?.causes ?? [];
  return causes.some((c) => c.reason === cause);
}
