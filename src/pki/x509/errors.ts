/**
 * The one error a certificate that Go cannot parse produces: its message is Go's own text
 * ("x509: malformed extension", "x509: malformed tbs certificate", …), so what regcert says matches what
 * Docker, containerd, podman and skopeo print for the same file.
 */
export class CertificateParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CertificateParseError";
  }
}

/** Throws CertificateParseError with Go's `message`. */
export const fail = (message: string): never => {
  throw new CertificateParseError(message);
};

/** Runs a strict read; any DerError (or other failure) becomes Go's `message`. */
export function goRead<T>(message: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof CertificateParseError) throw error;
    return fail(message);
  }
}
