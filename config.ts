/**
 * Stack configuration: the one place it is read and validated.
 *
 * - `parseSettings(stackName, rawConfig)` is pure: it takes the stack name and the raw config map (keys with or
 *   without the `harbor-platform:` prefix, values as the Pulumi runtime hands them over: strings, JSON text for
 *   objects, or already-parsed values), applies the per-environment defaults, validates everything with zod, and
 *   returns typed `Settings` or throws a `ConfigError` that lists EVERY problem at once.
 * - `loadSettings()` is the thin reader for a real Pulumi run.
 *
 * Environments come from the stack name: `dev`, `prod`, and `pr-<n>` previews. A preview stack has no file of its
 * own: it takes dev's config plus the preview profile (see `previewProfile`).
 *
 * The parts live in `config/`: `validators.ts` (field builders), `platform.ts` and `content.ts` (section schemas),
 * `sections.ts` (the sections table), `defaults.ts` (environments, their defaults, the preview profile), `rules.ts`
 * (cross-section checks), `settings.ts` (the typed Settings), `objects.ts` (merge helpers), `toArgs.ts` (Settings →
 * each component's own Args: config's conventions end there). Other modules import from this file only.
 *
 * Extending: add a section schema to `config/platform.ts` or `config/content.ts`, its defaults to
 * `environmentDefaults`, declare the key in Pulumi.yaml and document it in the README settings reference.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { environmentDefaults, environmentOf, previewProfile } from "./config/defaults";
import { deepMerge, getPath, isPlainObject } from "./config/objects";
import { contentChecks, crossChecks, declaredProjectChecks, ParsedLists, salvageSection } from "./config/rules";
import { platformSections } from "./config/platform";
import { Parsed, SECRET_KEYS, SECTION_KEYS, sections } from "./config/sections";
import { Settings, toSettings } from "./config/settings";

export const PROJECT = "harbor-platform";

/** The official chart, pinned. Upgrading Harbor is a reviewed code change, not a config flip. */
export const HARBOR_CHART = { name: "harbor", version: "1.19.1", repo: "https://helm.goharbor.io" } as const;

// The names other modules import, so they keep importing from "./config" only.
export { HARBOR_NAME, IMAGE_VERSION } from "./config/content";
export { environmentDefaults, environmentOf, previewProfile } from "./config/defaults";
export type { Environment } from "./config/defaults";
export { deepMerge } from "./config/objects";
export { HA_PARTS, REPLICATED_PARTS, RESOURCE_PARTS } from "./config/platform";
export type { ReplicatedPart, ResourcePart, ResourceSpec } from "./config/platform";
export { pushRobotOf, robotAccess, robotCanPush } from "./config/rules";
export { SECRET_KEYS, SECTION_KEYS, settingPaths } from "./config/sections";
export { awsDatabaseArgs, awsTags, contentArgs, externalDataRefs, harborArgs, imageArgs, projectArgs, storageArgs } from "./config/toArgs";
export type { ContentSettingsArgs, HarborSettingsArgs, ImageSettingsArgs } from "./config/toArgs";
export type { SecretKey, SectionKey } from "./config/sections";
export type {
    ContentSettings, DataSettings, ExistingHarborSettings, ImageSettings, InboundReplicationSettings, IngressTls, MemberSettings,
    OutboundReplicationSettings, PostgresSettings, ProjectSettings, RedisSettings, RobotSettings, Settings, StorageSettings,
    SystemSettings,
} from "./config/settings";

// ---------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------

export interface ConfigIssue {
    /** The key as the user writes it, e.g. `harbor-platform:replicas.core`. */
    key: string;
    /** The offending value, rendered for humans (secrets are never rendered). */
    value: string;
    /** What is allowed / what is wrong. */
    message: string;
    /** The file the setting is written in (a `pr-<n>` stack's config comes from Pulumi.dev.yaml). */
    file?: string;
    /** The line in `file`, when known (YAML syntax errors). */
    line?: number;
}

// A RunError: a real `pulumi up` prints its message alone, not a stack trace (and the stack's name is `stackName`:
// a field named `stack` would shadow Error.stack, which the CLI printed as "[dev] { issues: ... }").
export class ConfigError extends pulumi.RunError {
    /** `origin` says where the stack's config comes from, e.g. "config from Pulumi.dev.yaml plus the preview profile". */
    constructor(readonly stackName: string, readonly issues: ConfigIssue[], readonly origin?: string) {
        super(
            `Invalid configuration for stack '${stackName}'${origin ? ` (${origin})` : ""} (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n` +
                issues.map((i) => `  - ${i.file ? `${i.file}${i.line ? `:${i.line}` : ""}: ` : ""}${i.key} = ${i.value}: ${i.message}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------------------------

export type RawConfig = Record<string, unknown>;
export interface ParseOptions {
    /** Keys the runtime says are stored encrypted; when given, a secret key outside this set is an error. */
    secretKeys?: ReadonlySet<string>;
    /** The stack file the config was read from, named in every problem. Default: Pulumi.<stack>.yaml (Pulumi.dev.yaml for pr-<n>). */
    file?: string;
}

/** The stack file a stack's config is written in: its own, or dev's for a pr-<n> preview (it has none). */
export function stackFileOf(stack: string): string {
    return `Pulumi.${environmentOf(stack)?.environment === "preview" ? "dev" : stack}.yaml`;
}

/** Where a stack's config comes from, for error headers. */
export function configOrigin(stack: string, file = stackFileOf(stack)): string {
    return environmentOf(stack)?.environment === "preview"
        ? `config from ${file} plus the preview profile: pr-<n> stacks take dev's config`
        : `config from ${file}`;
}

/** Pure: stack name + raw config → Settings, or a ConfigError listing every problem. */
export function parseSettings(stack: string, raw: RawConfig, options: ParseOptions = {}): Settings {
    const env = environmentOf(stack);
    if (!env) {
        throw new ConfigError(stack, [{
            key: "stack", value: JSON.stringify(stack), message: "the stack name must be dev, prod or pr-<n> (n a PR number)",
        }]);
    }
    const issues: ConfigIssue[] = [];
    const user = normalizeRaw(raw, issues, options);

    let merged = deepMerge(environmentDefaults[env.environment], user) as Record<string, unknown>;
    if (env.environment === "preview") {
        merged = deepMerge(merged, previewProfile(env.pr!, merged)) as Record<string, unknown>;
        if (!merged.hostname) {
            issues.push({
                key: `${PROJECT}:previewDomain`, value: "(not set)",
                message: "is required for pr-<n> stacks (or a dev hostname to derive it from): previews are served at pr-<n>.<previewDomain>",
            });
            merged.hostname = "pr.example.com"; // placeholder so the hostname check does not repeat the problem
        }
    }

    const contentOnly = getPath(merged, ["platform", "enabled"]) === false;
    // Content only: the Harbor is existingHarbor's, so the hostname (a platform setting) follows its URL.
    if (contentOnly && user.hostname === undefined) merged.hostname = hostOf(getPath(merged, ["existingHarbor", "url"])) ?? "existing-harbor.invalid";

    // Each section is validated on its own, so one bad section does not hide the problems of the others.
    const parsed: Partial<Parsed> = {};
    // What the rules across platform sections read: each section as parsed, or salvaged field by field when it did not
    // parse, so one bad field does not hide the other problems of its section.
    const forRules: Record<string, unknown> = {};
    for (const key of SECTION_KEYS) {
        const result = (sections[key] as z.ZodType).safeParse(merged[key]);
        if (result.success) (parsed as Record<string, unknown>)[key] = forRules[key] = result.data;
        else {
            for (const issue of result.error.issues) issues.push(...toConfigIssues(key, issue, merged));
            if (key in platformSections) forRules[key] = salvageSection(sections[key] as z.ZodType, merged[key]);
        }
    }
    // Projects and images are also parsed one by one, so the rules across them still check the valid ones when
    // one of them is invalid (and say nothing about the invalid one beyond its own errors).
    const lists: ParsedLists = {
        projects: parsed.projects ?? elementwise(sections.projects.element, merged.projects, ["name", "robots"]),
        images: parsed.images ?? elementwise(sections.images.element, merged.images, ["name", "project", "robot"]),
        projectNames: Array.isArray(merged.projects) ? merged.projects.map((p) => (isPlainObject(p) ? p.name : undefined)) : [],
    };
    const rawModes = { data: getPath(merged, ["data", "mode"]), storage: getPath(merged, ["storage", "mode"]) };
    const add = (path: string[], message: string) => issues.push({ key: keyOf(path), value: render(path[0], getPath(merged, path)), message });
    // A content-only stack: the platform's rules do not apply (nothing of it is deployed).
    if (contentOnly) contentOnlyChecks(user, merged, add);
    else crossChecks(env.environment, forRules as Partial<Parsed>, rawModes, add);
    contentChecks(parsed, lists, add);
    declaredProjectChecks(merged, add);
    if (issues.length > 0) {
        const file = options.file ?? stackFileOf(stack);
        throw new ConfigError(stack, dedupe(issues).map((i) => ({ ...i, file })), configOrigin(stack, file));
    }
    return toSettings(stack, env, parsed as Parsed);
}

function normalizeRaw(raw: RawConfig, issues: ConfigIssue[], options: ParseOptions): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [fullKey, value] of Object.entries(raw)) {
        const idx = fullKey.indexOf(":");
        if (idx >= 0 && fullKey.slice(0, idx) !== PROJECT) continue; // other namespaces (aws:region, ...) are not ours
        const key = idx >= 0 ? fullKey.slice(idx + 1) : fullKey;
        if (!(key in sections)) {
            issues.push({
                key: `${PROJECT}:${key}`, value: render(key, value),
                message: `unknown setting; known settings: ${SECTION_KEYS.join(", ")}`,
            });
            continue;
        }
        const isSecret = (SECRET_KEYS as readonly string[]).includes(key);
        if (isSecret) {
            if (value === undefined || value === "") continue;
            if (options.secretKeys && !options.secretKeys.has(`${PROJECT}:${key}`)) {
                issues.push({
                    key: `${PROJECT}:${key}`, value: "[secret]",
                    message: `is stored in plaintext; store it encrypted: pulumi config set --secret ${key}`,
                });
                continue;
            }
            out[key] = value;
            continue;
        }
        let v = value;
        if (typeof v === "string" && (v.trim().startsWith("{") || v.trim().startsWith("["))) {
            try {
                v = JSON.parse(v);
            } catch {
                issues.push({ key: `${PROJECT}:${key}`, value: render(key, value), message: "is not valid JSON/YAML structure" });
                continue;
            }
        }
        // Pulumi.yaml declares "" and {} as "use the environment default".
        if (v === "" || v === undefined || v === null) continue;
        if (isPlainObject(v) && Object.keys(v).length === 0) continue;
        out[key] = v;
    }
    return out;
}

/**
 * Parses a list element by element: each element whole, or else just the `fields` the rules across lists read (an
 * image's project still has its robots when its retention is wrong); undefined where even those are invalid.
 */
function elementwise<S extends z.ZodObject, K extends keyof S["shape"] & string>(schema: S, value: unknown, fields: K[]): (Pick<z.output<S>, K> | undefined)[] | undefined {
    if (!Array.isArray(value)) return undefined;
    const part = z.object(Object.fromEntries(fields.map((f) => [f, schema.shape[f]])));
    return value.map((v) => {
        const whole = schema.safeParse(v);
        if (whole.success) return whole.data as Pick<z.output<S>, K>;
        const r = part.safeParse(v);
        return r.success ? (r.data as Pick<z.output<S>, K>) : undefined;
    });
}

function toConfigIssues(section: string, issue: z.core.$ZodIssue, merged: Record<string, unknown>): ConfigIssue[] {
    const path = [section, ...issue.path.map(String)];
    if (issue.code === "unrecognized_keys") {
        const parent = getPath(merged, path);
        const known = isPlainObject(parent) ? Object.keys(parent).filter((x) => !issue.keys.includes(x)) : [];
        return issue.keys.map((k) => {
            const p = [...path, k];
            return { key: keyOf(p), value: render(section, getPath(merged, p)), message: `unknown setting; known here: ${known.join(", ")}` };
        });
    }
    const value = getPath(merged, path);
    // A rule's message (config/validators.ts `rule`) says what is wrong as written.
    if (issue.code === "custom" && (issue.params as { rule?: boolean } | undefined)?.rule) {
        return [{ key: keyOf(path), value: render(section, value), message: issue.message }];
    }
    const message = value === undefined ? `is required: ${issue.message}` : `expected ${issue.message}`;
    return [{ key: keyOf(path), value: render(section, value), message }];
}

// ---------------------------------------------------------------------------------------------------------------
// The thin Pulumi reader
// ---------------------------------------------------------------------------------------------------------------

/** Reads this stack's config from the Pulumi runtime (once) and parses it. */
export function loadSettings(): Settings {
    const cfg = new pulumi.Config(PROJECT);
    const raw: RawConfig = {};
    const secretKeys = new Set<string>();
    for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (!key.startsWith(`${PROJECT}:`)) continue;
        const short = key.slice(PROJECT.length + 1);
        if ((SECRET_KEYS as readonly string[]).includes(short) && value !== "") {
            if (isConfigSecret(key)) secretKeys.add(key);
            raw[key] = cfg.requireSecret(short);
        } else {
            raw[key] = value;
        }
    }
    return parseSettings(pulumi.getStack(), raw, { secretKeys });
}

function isConfigSecret(key: string): boolean {
    // `isConfigSecret` exists in the runtime's config module but is not in its typings.
    const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: (k: string) => boolean };
    return runtimeConfig.isConfigSecret ? runtimeConfig.isConfigSecret(key) : true;
}

// ---------------------------------------------------------------------------------------------------------------
// Error rendering helpers
// ---------------------------------------------------------------------------------------------------------------

function keyOf(path: string[]): string {
    if (path.length === 0) return `${PROJECT}:<root>`;
    const [head, ...rest] = path;
    return `${PROJECT}:${head}` + rest.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join("");
}

function render(topKey: string | undefined, value: unknown): string {
    if (topKey && (SECRET_KEYS as readonly string[]).includes(topKey)) return "[secret]";
    if (value === undefined) return "(not set)";
    if (pulumi.Output.isInstance(value)) return "[output]";
    const s = JSON.stringify(value);
    return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
    const seen = new Set<string>();
    return issues.filter((i) => {
        const k = `${i.key}|${i.message}`;
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
    });
}

/** The settings only the platform uses: set in a content-only stack's file, they would silently do nothing. */
export const PLATFORM_ONLY_SETTINGS = [
    ...Object.keys(platformSections).filter((k) => k !== "platform"),
    "externalDatabasePassword", "externalRedisPassword", "harborAdminPassword",
] as const;

/** Rules of a content-only stack (platform.enabled false): an existing Harbor to manage, and no platform settings. */
function contentOnlyChecks(user: Record<string, unknown>, merged: Record<string, unknown>, add: (path: string[], message: string) => void): void {
    if (!getPath(merged, ["existingHarbor", "url"])) {
        add(["existingHarbor", "url"], "is required with platform.enabled false: the URL of the Harbor this content-only stack manages (and the secret existingHarborPassword)");
    }
    for (const key of PLATFORM_ONLY_SETTINGS) {
        if (user[key] !== undefined) {
            add([key], "is a platform setting, and platform.enabled is false: a content-only stack deploys no platform. Remove it, or set platform.enabled to true");
        }
    }
}

/** The host of a URL, or undefined when it is not one. */
function hostOf(url: unknown): string | undefined {
    if (typeof url !== "string" || url === "") return undefined;
    try {
        return new URL(url).hostname;
    } catch {
        return undefined;
    }
}
