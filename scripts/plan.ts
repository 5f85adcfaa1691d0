/**
 * Offline plan: `npm run plan -- --stack <dev|prod|pr-N>`.
 *
 * Runs the real program under Pulumi's mock runtime with the stack's config read from Pulumi.<stack>.yaml (a
 * `pr-<n>` stack takes Pulumi.dev.yaml plus the preview profile), with no cloud credentials and no cluster, and
 * prints `{"stack","resources":[{"type","name","parent","inputs"}],"outputs"}` on stdout. Every secret prints as
 * "[secret]"; `secure:` config values are never decrypted: they are opaque secrets. Bad config exits 1 with the
 * validation errors; any other failure exits 2. No stack traces.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { ConfigError, configOrigin, environmentOf, parseSettings, PROJECT, RawConfig, SECRET_KEYS } from "../config";
import { program as defaultProgram, StackOutputs } from "../program";
import { FAKE_SECRET_MARKER, installMocks, maskValue, RecordedResource, resolveOutput, settle } from "./lib/plan-mocks";

export interface PlannedResource {
    type: string;
    name: string;
    /** Name of the parent resource, or null for top-level resources. */
    parent: string | null;
    inputs: Record<string, unknown>;
    /** Present (true) only for resources with the `protect` option. */
    protect?: true;
}

export interface Plan {
    stack: string;
    resources: PlannedResource[];
    outputs: Record<string, unknown>;
}

export interface PlanOptions {
    /** Project directory holding Pulumi.yaml and the stack files. Default: the repository root. */
    dir?: string;
    /** Config entries that replace the file's (keys with or without `harbor-platform:`); for tests. */
    configOverride?: Record<string, unknown>;
    /** The program to run. Default: program.ts's `program`. */
    program?: (settings: ReturnType<typeof parseSettings>) => StackOutputs | Record<string, unknown>;
    /** Receives every registration as recorded (raw inputs and the mock state), e.g. to build a checkpoint. */
    onRegistrations?: (recorded: readonly RecordedResource[]) => void;
}

/** A `secure:` value in a stack file, read without decrypting: an opaque secret. */
export class SecureValue {
    constructor(readonly key: string) {}
}

/** Reads Pulumi.yaml defaults + the stack file (`pr-<n>` → Pulumi.dev.yaml) into a raw config map. */
export function readStackConfig(stack: string, dir: string): { raw: RawConfig; secretKeys: Set<string>; file: string } {
    const env = environmentOf(stack);
    if (!env) parseSettings(stack, {}); // throws the ConfigError that explains valid stack names
    const fileStack = env?.environment === "preview" ? "dev" : stack;
    const file = path.join(dir, `Pulumi.${fileStack}.yaml`);
    if (!fs.existsSync(file)) throw new PlanError(`no stack file ${path.basename(file)} in ${dir}`);

    const raw: RawConfig = {};
    const secretKeys = new Set<string>();
    const project = readYaml(stack, path.join(dir, "Pulumi.yaml")) as { config?: Record<string, unknown> };
    for (const [key, decl] of Object.entries(project.config ?? {})) {
        const d = decl as { default?: unknown } | undefined;
        if (d && typeof d === "object" && "default" in d) raw[qualify(key)] = d.default;
    }
    const stackFile = (readYaml(stack, file) ?? {}) as { config?: Record<string, unknown> };
    for (const [key, value] of Object.entries(stackFile.config ?? {})) {
        const k = qualify(key);
        if (value && typeof value === "object" && "secure" in (value as object)) {
            raw[k] = new SecureValue(k);
            secretKeys.add(k);
        } else {
            raw[k] = value;
        }
    }
    return { raw, secretKeys, file };
}

/** Parses a YAML file; a syntax error is a ConfigError naming the file, the line and the text there. */
function readYaml(stack: string, file: string): unknown {
    const text = fs.readFileSync(file, "utf8");
    try {
        return parseYaml(text);
    } catch (e) {
        if (!(e instanceof YAMLParseError)) throw e;
        const name = path.basename(file);
        const line = e.linePos?.[0].line;
        const col = e.linePos?.[0].col;
        const at = line ? text.split(/\r?\n/)[line - 1] ?? "" : "";
        throw new ConfigError(stack, [{
            file: name, line, key: `(YAML syntax${col ? `, column ${col}` : ""})`, value: JSON.stringify(at.trim()),
            message: e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, ""),
        }], configOrigin(stack, name));
    }
}

function qualify(key: string): string {
    return key.includes(":") ? key : `${PROJECT}:${key}`;
}

export class PlanError extends Error {}

/** Runs the program for `stack` under mocks and returns the plan (secrets masked). */
export async function planStack(stack: string, options: PlanOptions = {}): Promise<Plan> {
    const dir = options.dir ?? path.resolve(__dirname, "..");
    const { raw, secretKeys, file } = readStackConfig(stack, dir);
    for (const [key, value] of Object.entries(options.configOverride ?? {})) {
        const k = qualify(key);
        raw[k] = value;
        if (value instanceof SecureValue) secretKeys.add(k);
    }
    // Secure values are never decrypted here. They stand in as secret placeholders (the mock runtime drops truly
    // unknown values from inputs), so everything derived from them prints as "[secret]".
    for (const [k, v] of Object.entries(raw)) {
        if (v instanceof SecureValue) raw[k] = pulumi.secret(`${FAKE_SECRET_MARKER}-secure-config-${v.key}`);
    }
    for (const k of SECRET_KEYS) {
        const full = `${PROJECT}:${k}`;
        if (typeof raw[full] === "string" && raw[full] !== "") secretKeys.delete(full); // plaintext in the file
    }

    // Validate BEFORE installing mocks: invalid config registers nothing.
    const settings = parseSettings(stack, raw, { secretKeys, file: path.basename(file) });

    const { recorded } = installMocks(stack);
    const outputs = (options.program ?? defaultProgram)(settings) as Record<string, unknown>;
    const resolved: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(outputs)) resolved[k] = await resolveOutput(v);
    await settle();
    options.onRegistrations?.(recorded);

    const nameOf = (urn: string) => (urn ? urn.slice(urn.lastIndexOf("::") + 2) : null);
    return {
        stack,
        // Registration order is asynchronous; sort so two plans of the same code diff cleanly.
        resources: recorded
            .map((r): PlannedResource => ({
                type: r.type,
                name: r.name,
                parent: nameOf(r.parentUrn),
                inputs: maskValue(r.inputs) as Record<string, unknown>,
                ...(r.protect ? { protect: true as const } : {}),
            }))
            .sort((a, b) => sortKey(a).localeCompare(sortKey(b))),
        outputs: resolved,
    };
}

const sortKey = (r: PlannedResource) => `${r.parent ?? ""}\u0000${r.type}\u0000${r.name}`;

/** Parses `--stack <name>` (or `--stack=<name>`). */
export function parsePlanArgs(argv: string[]): { stack: string } {
    let stack: string | undefined;
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--stack") stack = argv[++i];
        else if (a.startsWith("--stack=")) stack = a.slice("--stack=".length);
        else throw new PlanError(`unknown argument '${a}'; usage: npm run plan -- --stack <dev|prod|pr-N>`);
    }
    if (!stack) throw new PlanError("missing --stack; usage: npm run plan -- --stack <dev|prod|pr-N>");
    return { stack };
}

async function main(): Promise<number> {
    try {
        const { stack } = parsePlanArgs(process.argv.slice(2));
        const plan = await planStack(stack);
        process.stdout.write(JSON.stringify(plan, null, 2) + "\n");
        return 0;
    } catch (e) {
        if (e instanceof ConfigError) {
            process.stderr.write(e.message + "\n");
            return 1;
        }
        process.stderr.write(`plan failed: ${e instanceof Error ? e.message : String(e)}\n`);
        return 2;
    }
}

if (require.main === module) {
    main().then((code) => process.exit(code));
}
