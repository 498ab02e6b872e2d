/** The registry image regcert's configs, compose files and printed commands name: one constant (distribution v3, see servers.ts). */
import { SERVER_IMAGES } from "./servers.js";

export const DEFAULT_REGISTRY_IMAGE: string = SERVER_IMAGES.distribution;
