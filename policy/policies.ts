/**
 * All harbor-platform policies, in one list. `policy/index.ts` serves them as a PolicyPack; tests import the
 * policy objects from here (or the domain modules) and never construct the pack.
 */
import { Policies } from "@pulumi/policy";
import { awsPolicies } from "./aws";
import { harborChartPolicies } from "./harborChart";
import { harborContentPolicies } from "./harborContent";

export * from "./aws";
export * from "./harborChart";
export * from "./harborContent";
export * from "./helpers";

export const PACK_NAME = "harbor-platform";

export const policies: Policies = [...awsPolicies, ...harborChartPolicies, ...harborContentPolicies];
