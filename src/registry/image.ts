/** The registry image regcert's configs, compose files and printed commands name: one constant. */
export const DEFAULT_REGISTRY_IMAGE = "registry:2";
