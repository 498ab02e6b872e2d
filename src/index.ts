/**
 * regcert as a library: the certificate engine (pure: no files, no processes) and the file layer.
 * Import "reflect-metadata" first only if you also use @peculiar/x509 yourself; this engine does not need it.
 */
export { RegcertError, isRegcertError } from "./pki/errors.js";
export { KEY_ALGORITHMS, generateKeyPair, generateKeyPairSyncFor, parseKeyAlgorithm, describeKey, exportPrivateKeyPem, publicKeyFingerprint } from "./pki/keys.js";
export type { KeyAlgorithm, KeyPair, KeyDescription } from "./pki/keys.js";
export { classifyName, classifyNames, parseCidr } from "./pki/names.js";
export type { NameSet, SubjectName, IpRange } from "./pki/names.js";
export { createRootCa, caNameConstraints } from "./pki/ca.js";
export type { RootCa, RootCaOptions, EngineDeps } from "./pki/ca.js";
export { issueCertificate, signCsr } from "./pki/issue.js";
export type { IssueOptions, SignCsrOptions, LeafOptions, IssuedCertificate, IssuedKeyAndCertificate } from "./pki/issue.js";
export { prepareIssuer, parseCaCertificate } from "./pki/issuer.js";
export type { Issuer, IssuerInput, CaCertificateInfo } from "./pki/issuer.js";
export { encryptPrivateKey, encryptPrivateKeyPem, decryptPrivateKey, describeEncryptedKey, isEncryptedKeyPem, PBKDF2_ITERATIONS } from "./pki/pkcs8.js";
export type { EncryptKeyOptions, KeyEncryptionInfo } from "./pki/pkcs8.js";
export { createCsr, parseCsr } from "./pki/csr.js";
export type { ParsedCsr } from "./pki/csr.js";
export { PROFILES } from "./pki/profiles.js";
export type { ProfileName, LeafProfileName, Profile } from "./pki/profiles.js";
export { toPem, parsePemBlocks } from "./pki/pem.js";
export { planTrust, planTrustRemoval, parseTargets, hostPathOf, parseRegistryHost, renderHostsToml, LINUX_TARGETS, TARGET_NAMES } from "./trust/index.js";
export type { PlanTrustOptions, RemovalPlan, TrustPlan, TrustFile, TrustDirectory, RefreshCommand, PrintedCommands, TargetName, RegistryHost, TrustCa } from "./trust/index.js";
export { readCertificateFacts } from "./pki/certificate-facts.js";
export type { CertificateFacts, CertificateKind } from "./pki/certificate-facts.js";
export { classifyExpiry, assessCertificate, statusExitCode, needsRenewal, DEFAULT_WARN_DAYS } from "./pki/status.js";
export type { CertificateState, Expiry, ExpiryOptions, Assessment, AssessInput, FileCheck, IssuerTrust } from "./pki/status.js";
export { readIndex, currentEntries, checkEntryFiles } from "./files/index-store.js";
export type { IndexEntry, IndexRead, IndexFiles } from "./files/index-store.js";
export { verifyChain } from "./pki/verify/verify.js";
export type { VerifyOptions, VerifyReport, Finding, ChainEntry } from "./pki/verify/types.js";
export { matchHostname, certificateNames } from "./pki/verify/hostname.js";
export type { CertificateNames } from "./pki/verify/hostname.js";
export { describeInput } from "./pki/describe.js";
export type { InspectReport, InspectItem, CertificateSummary, CsrSummary, PrivateKeySummary, PublicKeySummary, KeySummary } from "./pki/describe.js";
export { hashPassword, setHtpasswdEntry, deleteHtpasswdEntry, verifyHtpasswdPassword, parseHtpasswd, validateHtpasswdUser, isBcryptHash, DEFAULT_BCRYPT_COST } from "./registry/htpasswd.js";
export type { HashOptions, HtpasswdEntry, HtpasswdChange } from "./registry/htpasswd.js";
export { renderComposeKit, renderSystemdConfig } from "./registry/config.js";
export type { RegistryConfigOptions, ComposeOptions, ComposeKit, SystemdOptions, SystemdKit, InstallStep } from "./registry/config.js";
export { probeRegistry } from "./registry/check.js";
export type { ProbeOptions, ProbeResult, HttpSummary, Finding as CheckFinding, CertificateSummary as CheckedCertificate } from "./registry/check.js";
export { checkLocalSide } from "./registry/local-check.js";
export type { LocalCheckOptions } from "./registry/local-check.js";
export { RegistryClient, RegistryApiError, planDelete, parseReference, MANIFEST_ACCEPT } from "./registry/api.js";
export type { RegistryClientOptions, ImageReference, DeletePlan } from "./registry/api.js";
