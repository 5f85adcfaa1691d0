import * as fs from "fs";
import * as path from "path";
import type { ChartKeys } from "./chartKeys";

/**
 * The Harbor facts the repository carries (contract/*.json, written by `npm run sync-contract` from the ground truth:
 * Harbor's swagger.yaml, the chart's values.yaml and Chart.yaml, the robot access lists). Read once per process.
 */
export const contractDir = path.join(__dirname, "..", "..", "contract");

const cache = new Map<string, unknown>();

function load<T>(name: string): T {
    if (!cache.has(name)) cache.set(name, JSON.parse(fs.readFileSync(path.join(contractDir, name), "utf8")));
    return cache.get(name) as T;
}

export type DefaultKind = "list" | "string" | "empty-string" | "true" | "false" | "number" | "null";
export interface DefaultsTree {
    [key: string]: DefaultKind | DefaultsTree;
}

export interface ChartContract {
    chart: { name: string; version: string; appVersion: string };
    keys: { known: string[]; freeForm: string[] };
    /** The chart's defaults, each leaf replaced by its kind. */
    defaults: DefaultsTree;
}

export const chartContract = (): ChartContract => load<ChartContract>("harbor-chart.json");

/** The chart's value keys (real, commented and nested commented), as tests/helpers/chartKeys.ts reads values.yaml. */
export function chartKeys(): ChartKeys {
    const { keys } = chartContract();
    return { known: new Set(keys.known), freeForm: new Set(keys.freeForm) };
}

const STAND_IN: Record<DefaultKind, () => unknown> = {
    list: () => [], string: () => "<default>", "empty-string": () => "", true: () => true, false: () => false, number: () => 0, null: () => null,
};

/**
 * The chart's default values with every scalar replaced by a stand-in of the same kind (a non-empty string by
 * "<default>", a number by 0, a list by []; booleans, "", null and maps as they are): enough for checks that look at
 * which keys exist and which are set, never at the values.
 */
export function chartDefaultsSkeleton(tree: DefaultsTree = chartContract().defaults): Record<string, unknown> {
    return Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, typeof v === "string" ? STAND_IN[v]() : chartDefaultsSkeleton(v)]));
}

export interface RbacContract {
    robotAccess: { system: Record<string, string[]>; project: Record<string, string[]> };
}

/** Harbor's robot access lists (system and project scope), resource to actions. */
export const rbacContract = (): RbacContract => load<RbacContract>("harbor-rbac.json");
