/** The modelled callers of follow_pfnmap (and of follow_pte before it), one file each. */
export type { CallerEnv, CallerInstance } from "./types";
export { startAndClassify } from "./types";
export { plainFollowCaller } from "./plain-follow";
export { vfioType1Caller } from "./vfio-type1";
export type { VfioType1Options } from "./vfio-type1";
export { kvmCaller } from "./kvm";
export type { KvmCallerOptions } from "./kvm";
export { genericAccessPhysCaller } from "./generic-access-phys";
export type { GenericAccessPhysOptions } from "./generic-access-phys";
export { s390MmioCaller } from "./s390-mmio";
export type { S390MmioOptions } from "./s390-mmio";
export { x86PatCaller } from "./x86-pat";
export { naiveFollowPteCaller } from "./naive-follow-pte";
export type { NaiveApi } from "./naive-follow-pte";
