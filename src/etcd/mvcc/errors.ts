// Errors as a client of etcd v3.4 sees them: the message of rpctypes' ErrGRPC* values and the
// gRPC status code the server maps it to (etcdserver/api/v3rpc/rpctypes/error.go). The JSON
// gateway turns them into {"error","message","code"} with an HTTP status (reference §2.10).

/** gRPC status codes (google.golang.org/grpc/codes). */
export enum GrpcCode {
  OK = 0,
  Canceled = 1,
  Unknown = 2,
  InvalidArgument = 3,
  DeadlineExceeded = 4,
  NotFound = 5,
  AlreadyExists = 6,
  PermissionDenied = 7,
  ResourceExhausted = 8,
  FailedPrecondition = 9,
  Aborted = 10,
  OutOfRange = 11,
  Unimplemented = 12,
  Internal = 13,
  Unavailable = 14,
  DataLoss = 15,
  Unauthenticated = 16,
}

/** An error a client receives: gRPC code plus etcd's exact message. */
export class EtcdError extends Error {
  readonly code: GrpcCode;
  constructor(code: GrpcCode, message: string) {
    super(message);
    this.name = "EtcdError";
    this.code = code;
  }
  /** A plain, JSON-able form (what a replicated apply result carries). */
  toJSON(): { code: GrpcCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

const e = (code: GrpcCode, message: string) => () => new EtcdError(code, message);

// The errors kubelab's store can return, named as in rpctypes (ErrGRPC...).
export const Errors = {
  EmptyKey: e(GrpcCode.InvalidArgument, "etcdserver: key is not provided"),
  KeyNotFound: e(GrpcCode.InvalidArgument, "etcdserver: key not found"),
  ValueProvided: e(GrpcCode.InvalidArgument, "etcdserver: value is provided"),
  LeaseProvided: e(GrpcCode.InvalidArgument, "etcdserver: lease is provided"),
  TooManyOps: e(GrpcCode.InvalidArgument, "etcdserver: too many operations in txn request"),
  DuplicateKey: e(GrpcCode.InvalidArgument, "etcdserver: duplicate key given in txn request"),
  Compacted: e(GrpcCode.OutOfRange, "etcdserver: mvcc: required revision has been compacted"),
  FutureRev: e(GrpcCode.OutOfRange, "etcdserver: mvcc: required revision is a future revision"),
  LeaseNotFound: e(GrpcCode.NotFound, "etcdserver: requested lease not found"),
  LeaseExist: e(GrpcCode.FailedPrecondition, "etcdserver: lease already exists"),
  LeaseTTLTooLarge: e(GrpcCode.OutOfRange, "etcdserver: too large lease TTL"),
  /** lease.ErrNotPrimary: only the leader's lessor renews leases; the server forwards there. */
  NotPrimary: e(GrpcCode.Unavailable, "not a primary lessor"),
} as const;

// Watch creation failures are not gRPC errors: they come back as a canceled WatchResponse whose
// cancel_reason is the mvcc error text (mvcc/watcher.go).
export const WatchErrors = {
  EmptyWatcherRange: "mvcc: watcher range is empty",
  DuplicateID: "mvcc: duplicate watch ID provided on the WatchStream",
} as const;

/**
 * HTTP status grpc-gateway v1 (the one in Debian's etcd 3.4.23 build) gives each gRPC code.
 * FailedPrecondition is 412 there (newer gateways say 400): clients should look at `code`.
 */
export function httpStatusFromCode(code: GrpcCode): number {
  switch (code) {
    case GrpcCode.OK:
      return 200;
    case GrpcCode.Canceled:
      return 408;
    case GrpcCode.Unknown:
      return 500;
    case GrpcCode.InvalidArgument:
      return 400;
    case GrpcCode.DeadlineExceeded:
      return 504;
    case GrpcCode.NotFound:
      return 404;
    case GrpcCode.AlreadyExists:
      return 409;
    case GrpcCode.PermissionDenied:
      return 403;
    case GrpcCode.Unauthenticated:
      return 401;
    case GrpcCode.ResourceExhausted:
      return 429;
    case GrpcCode.FailedPrecondition:
      return 412;
    case GrpcCode.Aborted:
      return 409;
    case GrpcCode.OutOfRange:
      return 400;
    case GrpcCode.Unimplemented:
      return 501;
    case GrpcCode.Internal:
      return 500;
    case GrpcCode.Unavailable:
      return 503;
    case GrpcCode.DataLoss:
      return 500;
  }
  return 500;
}
