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
export { probeRegistry } from "./registry/probe.js";
export type { ProbeOptions, HttpSummary, CertificateSummary as CheckedCertificate } from "./registry/check.js";
export { checkLocalSide } from "./registry/local-check.js";
export type { LocalCheckOptions } from "./registry/local-check.js";
export { RegistryClient, RegistryApiError, planDelete, parseReference, MANIFEST_ACCEPT } from "./registry/api.js";
export type { RegistryClientOptions, ImageReference, DeletePlan } from "./registry/api.js";
export { createIntermediateCa, INTERMEDIATE_DEFAULT_DAYS, INTERMEDIATE_MAX_DAYS } from "./pki/intermediate.js";
export type { IntermediateCaOptions, IntermediateCa } from "./pki/intermediate.js";
export { nodeTrust, configMapKeys, encodeKeyPart, decodeKeyPart, DEFAULT_IMAGE, DAEMONSET_TARGETS, NODE_STEP_TARGETS } from "./k8s/node-trust.js";
export type { NodeTrustOptions, NodeTrust } from "./k8s/node-trust.js";
export { renderNodeScript } from "./k8s/node-script.js";
export { renderManifest } from "./k8s/manifest.js";
export type { K8sObject, ObjectMeta } from "./k8s/manifest.js";
export { tlsSecret, certManagerObjects } from "./k8s/registry-secret.js";
export type { TlsSecretOptions, CertManagerOptions } from "./k8s/registry-secret.js";
export { pullSecret, dockerConfigJson, k3sAuthEntry, validateCredentials } from "./k8s/pull-secret.js";
export type { PullCredentials } from "./k8s/pull-secret.js";
// ecosystem (issue 13): registry servers, the trust-target registry, Docker 29 checks
export { SERVER_KINDS, SERVER_IMAGES, CONFIG_MOUNTS, parseServerKind, parseListen, listenText } from "./registry/servers.js";
export type { ServerKind, ListenAddress } from "./registry/servers.js";
export { renderDistributionUnit } from "./registry/config.js";
export { renderZotConfig, renderZotCompose, renderZotSystemd } from "./registry/zot.js";
export type { ZotComposeOptions, ZotComposeKit, ZotSystemdOptions, ZotSystemdKit } from "./registry/zot.js";
export { renderHarborYml } from "./registry/harbor.js";
export type { HarborOptions } from "./registry/harbor.js";
export { checkDocker29, detectImageStore } from "./registry/docker29.js";
export { TARGET_SPECS, USER_TARGETS, PER_USER_TARGETS, targetSpec, targetsWithKubernetesRole, describeTargets, regcertOwns, mergeBuildkitToml, unmergeBuildkitToml } from "./trust/index.js";
export type { TargetSpec, KubernetesRole } from "./trust/index.js";
export { hostPathOf as plannedHostPath } from "./files/plan-types.js";
export type { PlannedFile, PlannedDirectory, FileTreePlan, FileRemovalPlan } from "./files/plan-types.js";
// x509 (issue 11 part A): the one strict certificate reader and its model
export { parseCertificate, readCertificate, CertificateParseError, parsePublicKey, EXTENSION_PARSERS, sanNames, keyIdOf, formatIpBytes, formatIpNet } from "./pki/x509/index.js";
export type { ParsedCertificate, RawExtension, PublicKeyInfo, PublicKeyKind, ExtensionParser, NameAttribute, ParsedNameConstraints, IpNet } from "./pki/x509/index.js";
export { DerReader, DerError, readSingle, decodeInteger, decodeBoolean, decodeOid, decodeBitString, decodeTime, decodeString } from "./pki/x509/der-reader.js";
export { certificateFacts } from "./pki/certificate-facts.js";
export { caCertificateInfo } from "./pki/issuer.js";
// acme (issue 14): RFC 8555 server on the regcert CA
export { createAcmeServer, MAX_REQUEST_BYTES } from "./acme/server.js";
export type { AcmeServer, AcmeServerOptions } from "./acme/server.js";
export { AcmeProtocol } from "./acme/protocol.js";
export type { AcmeRequest, AcmeResponse, AcmeProtocolOptions, RateLimit } from "./acme/protocol.js";
export { MemoryAcmeStore } from "./acme/store.js";
export { FileAcmeStore, acmeDir } from "./acme/file-store.js";
export { parseAllowList } from "./acme/policy.js";
export type { AllowList } from "./acme/policy.js";
export { trustRecipes } from "./acme/recipes.js";
export type { Recipes, RecipeInput } from "./acme/recipes.js";
export type { AcmeStore } from "./acme/store.js";
export { AcmeProblem } from "./acme/problems.js";
export type { AcmeErrorType, ProblemDocument } from "./acme/problems.js";
export { createValidator, checkAlpnCertificate, reverseDnsName } from "./acme/validators.js";
export type { Validator, ValidatorOptions } from "./acme/validators.js";
export type { AccountRecord, OrderRecord, AuthzRecord, CertRecord, Identifier as AcmeIdentifier } from "./acme/types.js";
export { planSchedule, cronLine, systemdQuote } from "./lifecycle/schedule.js";
export type { ScheduleOptions, SchedulePlan } from "./lifecycle/schedule.js";
// keys (issue 16): signers (file and PKCS#11 token keys), PKCS#12 export
export { keySigner, isSigner, isKeySigner } from "./pki/signer.js";
export type { Signer, KeySigner } from "./pki/signer.js";
export { createRootCaCertificate } from "./pki/ca.js";
export type { RootCaCertificate } from "./pki/ca.js";
export { createPkcs12Keystore, createPkcs12Truststore, PKCS12_ITERATIONS, PKCS12_LEGACY_ITERATIONS, OID_JAVA_TRUSTED_KEY_USAGE } from "./pki/pkcs12.js";
export type { KeystoreOptions, TruststoreOptions, Pkcs12Profile } from "./pki/pkcs12.js";
export { parsePkcs11Uri, formatPkcs11Uri } from "./pki/pkcs11-uri.js";
export type { Pkcs11Uri } from "./pki/pkcs11-uri.js";
export { TokenSession, openTokenKey, generateTokenKey, signerMatches, loadPkcs11Binding } from "./pkcs11/token.js";
export type { TokenOptions } from "./pkcs11/token.js";
export { setMlDsaVerifier } from "./pki/verify/signature.js";
export type { MlDsaVerifier } from "./pki/verify/signature.js";
// CSR policy and name constraints (issue 11 part B)
export { readCsr } from "./pki/x509/csr.js";
export type { ParsedCsr as CsrStructure, CsrGeneralName, CsrExtension, CsrAttribute, CsrPublicKeyInfo } from "./pki/x509/csr.js";
export { applyCsrPolicy } from "./pki/csr-policy.js";
export type { CsrDecision, CsrPolicyOptions } from "./pki/csr-policy.js";
export type { CheckedCsr } from "./pki/csr.js";
export { completeNameConstraints, namesOutsideConstraints, assertWithinConstraints, checkChainConstraints } from "./pki/name-constraints.js";
export type { NameConstraintsInput, NameConstraintsText, ConstraintViolation } from "./pki/name-constraints.js";
export { validateLeafDays, MAX_LEAF_DAYS_WITHOUT_FORCE } from "./pki/validity.js";
// check = probe + diagnose, one findings catalogue, lifecycle library (issue 11 part C)
export { diagnose, isLoopbackHost } from "./registry/diagnose.js";
export type { Diagnosis, DiagnoseOptions, ClientSettings } from "./registry/diagnose.js";
export type { Observation } from "./registry/probe.js";
export { checkRegistry, fromLocalFinding, clientSettingsFrom } from "./registry/check.js";
export type { CheckOptions, LocalFinding } from "./registry/check.js";
export { FINDINGS, makeFinding, isFindingCode } from "./pki/findings.js";
export type { FindingCode, Severity, CatalogueEntry, FindingFields } from "./pki/findings.js";
export { loadTrustedCas } from "./lifecycle/ca-source.js";
export type { TrustedCaOptions, TrustedCas } from "./lifecycle/ca-source.js";
export { collectStatus, statusJson, saveRepairedIndex, STATUS_SCHEMA } from "./lifecycle/status.js";
export type { StatusReport, CaView, CertificateView } from "./lifecycle/status.js";
export { planRenewal, applyRenewal, targetForFile, targetForName, reloadLines } from "./lifecycle/renew.js";
export type { RenewTarget, PlannedRenewal, PlanOptions as RenewPlanOptions } from "./lifecycle/renew.js";
export { readCaForImport } from "./lifecycle/import-ca.js";
export type { ImportCaInput, ImportedCa } from "./lifecycle/import-ca.js";
export { obtainIssuer, defaultCaName } from "./lifecycle/issuer.js";
export type { ObtainIssuerOptions, ObtainedIssuer } from "./lifecycle/issuer.js";
export { spkiFromPkcs8 } from "./pki/key-identity.js";
export { isIpv4Mapped } from "./pki/ip-mapped.js";
export { DEFAULT_KEY_ALGORITHM } from "./pki/key-types.js";
export { DEFAULT_REGISTRY_IMAGE } from "./registry/image.js";
// fleet (issue 15)
export { renderFleet, FLEET_ENGINES, FLEET_ENGINE_NAMES } from "./fleet/index.js";
export type { FleetEngine, RenderFleetOptions, FleetRenderOptions, EngineSpec } from "./fleet/index.js";
export type { FleetFile, FleetRendering } from "./fleet/output.js";
export { planFleet } from "./fleet/plan.js";
export type { FleetPlanOptions } from "./fleet/plan.js";
export { readHostLines, checkHostList } from "./fleet/hosts.js";
export type { HostSource } from "./fleet/hosts.js";
export { renderPlaybook, renderAnsibleRole } from "./fleet/ansible.js";

// cleanup (issue 11): an error's message and hint with its option references, for front ends that name options their own way
export { renderErrorText, libraryTerm } from "./pki/errors.js";
export type { OptionRef, Phrase, ErrorText } from "./pki/errors.js";
// status speed (issue 11 part C): the stamp cache index.stamps.json that lets status skip unchanged files
export { saveStatusCache } from "./lifecycle/status.js";
export { readStampCache, saveStampCache, stampCacheChanged, stampsPath, QUIET_MS } from "./files/file-stamps.js";
export type { StampCache, FileStamp } from "./files/file-stamps.js";
// fleet (second pass: parsed hosts handed to planning)
export { checkHosts } from "./fleet/hosts.js";
