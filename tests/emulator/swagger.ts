// Loads Harbor's API spec as the repository carries it (contract/harbor-api.json: the structure of Harbor v2.15's
// swagger.yaml, written by `npm run sync-contract`) and validates requests against it: path template and
// method, path/query/header parameters (presence, type, enum, bounds, unknown query keys), and the JSON body
// against its schema ($ref, required, types, enums, nullability). JSON fields the spec does not define are
// REJECTED: Harbor silently ignores them, which would hide client bugs.
import * as fs from "fs";
import * as path from "path";

/** The carried spec: { source, spec } where spec is the swagger without its prose (scripts/lib/contract.ts). */
export const CONTRACT_SPEC_FILE = path.join(__dirname, "..", "..", "contract", "harbor-api.json");

/** Minimal Swagger 2.0 shapes this validator understands. */
export interface Schema {
    $ref?: string;
    type?: string;
    format?: string;
    properties?: Record<string, Schema>;
    additionalProperties?: boolean | Schema;
    items?: Schema;
    required?: string[];
    enum?: unknown[];
    maxLength?: number;
    minLength?: number;
    minimum?: number;
    maximum?: number;
    "x-nullable"?: boolean;
    "x-isnullable"?: boolean;
}

export interface Parameter extends Omit<Schema, "required"> {
    name: string;
    in: "path" | "query" | "header" | "body" | "formData";
    required?: boolean;
    schema?: Schema;
}

export interface Operation {
    operationId: string;
    method: string;
    /** Path template relative to the base path, e.g. /projects/{project_name_or_id}. */
    template: string;
    parameters: Parameter[];
    /** True when the spec allows anonymous access for this operation. */
    anonymous: boolean;
    /** Declared responses by status ("200", "404", "default"), `#/responses/...` resolved; schema undefined = no body. */
    responses: Record<string, { schema?: Schema }>;
}

export interface MatchedOperation {
    op: Operation;
    /** Path parameters, percent-decoded ONCE (as Harbor's router does). */
    params: Record<string, string>;
}

interface CompiledPath {
    template: string;
    regex: RegExp;
    names: string[];
    literalSegments: number;
    ops: Map<string, Operation>;
}

interface SpecDoc {
    basePath: string;
    paths: Record<string, Record<string, { operationId?: string; parameters?: (Parameter | { $ref: string })[]; security?: unknown[]; responses?: Record<string, { $ref?: string; schema?: Schema }> }>>;
    parameters: Record<string, Parameter>;
    responses?: Record<string, { schema?: Schema }>;
    definitions: Record<string, Schema>;
}

/** Operations Harbor serves without credentials (the spec's global security also allows {} everywhere). */
const ANONYMOUS = new Set(["getHealth", "getPing", "getSystemInfo"]);

export class SwaggerSpec {
    readonly basePath: string;
    readonly definitions: Record<string, Schema>;
    private readonly paths: CompiledPath[];
    readonly operations = new Map<string, Operation>();

    constructor(doc: SpecDoc) {
        this.basePath = doc.basePath;
        this.definitions = doc.definitions;
        this.paths = [];
        for (const [template, methods] of Object.entries(doc.paths)) {
            const names: string[] = [];
            const segments = template.split("/").slice(1);
            const pattern = segments
                .map((s) => {
                    const m = /^\{(.+)\}$/.exec(s);
                    if (m) {
                        names.push(m[1]);
                        return "([^/]+)";
                    }
                    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
                })
                .join("/");
            const ops = new Map<string, Operation>();
            for (const [method, raw] of Object.entries(methods)) {
                if (method === "parameters") continue;
                const parameters = (raw.parameters ?? []).map((p) => (p.$ref ? this.resolveParam(doc, p.$ref) : (p as Parameter)));
                const responses: Operation["responses"] = {};
                for (const [status, r] of Object.entries(raw.responses ?? {})) {
                    responses[status] = r.$ref ? doc.responses?.[r.$ref.replace("#/responses/", "")] ?? {} : r;
                }
                const op: Operation = { operationId: raw.operationId ?? `${method} ${template}`, method: method.toUpperCase(), template, parameters, anonymous: ANONYMOUS.has(raw.operationId ?? ""), responses };
                ops.set(op.method, op);
                this.operations.set(op.operationId, op);
            }
            this.paths.push({ template, regex: new RegExp(`^/${pattern}$`), names, literalSegments: segments.length - names.length, ops });
        }
        // Literal segments win over parameters (/users/search before /users/{user_id}).
        this.paths.sort((a, b) => b.literalSegments - a.literalSegments);
    }

    /** From a contract file ({ source, spec }) or a bare spec in JSON. */
    static load(file: string = CONTRACT_SPEC_FILE): SwaggerSpec {
        const doc = JSON.parse(fs.readFileSync(file, "utf8")) as { spec?: SpecDoc } & SpecDoc;
        return new SwaggerSpec(doc.spec ?? doc);
    }

    private resolveParam(doc: SpecDoc, ref: string): Parameter {
        const name = ref.replace("#/parameters/", "");
        const p = doc.parameters[name];
        if (!p) throw new Error(`swagger: unknown parameter ${ref}`);
        return p;
    }

    /** Find the operation for a method and a path relative to the base path (raw, still percent-encoded). */
    match(method: string, rawPath: string): MatchedOperation | { error: string; status: number } {
        let pathMatched = false;
        for (const p of this.paths) {
            const m = p.regex.exec(rawPath);
            if (!m) continue;
            pathMatched = true;
            const op = p.ops.get(method);
            if (!op) continue;
            const params: Record<string, string> = {};
            p.names.forEach((n, i) => (params[n] = safeDecode(m[i + 1])));
            return { op, params };
        }
        return pathMatched
            ? { status: 405, error: `${method} is not allowed on ${rawPath} by the spec` }
            : { status: 404, error: `no path in the spec matches ${rawPath}` };
    }

    /** Validate a request against its operation; returns problems (empty when valid). */
    validateRequest(
        op: Operation,
        params: Record<string, string>,
        query: URLSearchParams,
        headers: Record<string, string | string[] | undefined>,
        body: unknown,
        hasBody: boolean,
    ): string[] {
        const problems: string[] = [];
        const declaredQuery = new Set<string>();
        let bodyParam: Parameter | undefined;
        for (const p of op.parameters) {
            if (p.in === "path") {
                problems.push(...this.checkScalar(p, params[p.name], `path parameter ${p.name}`));
            } else if (p.in === "query") {
                declaredQuery.add(p.name);
                const values = query.getAll(p.name);
                if (values.length === 0) {
                    if (p.required) problems.push(`query parameter ${p.name} is required`);
                } else if (values.length > 1 && p.type !== "array") {
                    problems.push(`query parameter ${p.name} is given ${values.length} times`);
                } else {
                    for (const v of values) problems.push(...this.checkScalar(p, v, `query parameter ${p.name}`));
                }
            } else if (p.in === "header") {
                const raw = headers[p.name.toLowerCase()];
                const v = Array.isArray(raw) ? raw[0] : raw;
                if (v === undefined) {
                    if (p.required) problems.push(`header ${p.name} is required`);
                } else {
                    problems.push(...this.checkScalar(p, v, `header ${p.name}`));
                }
            } else if (p.in === "body") {
                bodyParam = p;
            }
        }
        for (const key of new Set(query.keys())) {
            if (!declaredQuery.has(key)) problems.push(`query parameter ${key} is not defined for ${op.operationId}`);
        }
        if (bodyParam) {
            if (!hasBody) {
                if (bodyParam.required) problems.push(`a JSON body (${schemaName(bodyParam.schema)}) is required`);
            } else if (body === INVALID_JSON) {
                problems.push("the body is not valid JSON");
            } else {
                this.validate(bodyParam.schema ?? {}, body, "body", problems);
            }
        } else if (hasBody) {
            problems.push(`${op.operationId} takes no body`);
        }
        return problems;
    }

    /**
     * Validate a response the emulator is about to send (Harbor's handlers are generated from the same spec, so
     * what they send matches it): a success status must be one the operation declares, its body must match the
     * declared schema (no body when none is declared; fields the spec does not define are refused, since Harbor's
     * generated models cannot carry them); an error body must be Harbor's `Errors` shape, whatever its status
     * (Harbor's error responder answers any status, declared or not: src/server/v2.0/handler/response.go).
     */
    validateResponse(op: Operation, status: number, body: unknown): string[] {
        const problems: string[] = [];
        if (status >= 200 && status < 300) {
            const declared = op.responses[String(status)];
            if (!declared) {
                problems.push(`status ${status} is not a response of ${op.operationId} (declared: ${Object.keys(op.responses).join(", ")})`);
            } else if (declared.schema) {
                if (body !== undefined) this.validate(declared.schema, body, "response", problems);
            } else if (body !== undefined && op.method !== "HEAD") {
                problems.push(`${op.operationId} ${status} declares no body, but one was sent`);
            }
        } else if (status >= 400 && this.definitions.Errors) {
            this.validate({ $ref: "#/definitions/Errors" }, body, "error response", problems);
        }
        return problems.map((p) => p.replace(" (Harbor would silently ignore it)", " (Harbor's model has no such field)"));
    }

    /** Path/query/header values arrive as strings: check them as the declared scalar type. */
    private checkScalar(p: Parameter, value: string | undefined, what: string): string[] {
        if (value === undefined) return p.required ? [`${what} is required`] : [];
        if (p.type === "integer") {
            if (!/^-?\d+$/.test(value)) return [`${what} must be an integer, got "${value}"`];
            const n = Number(value);
            if (p.maximum !== undefined && n > p.maximum) return [`${what} must be <= ${p.maximum}, got ${n}`];
            if (p.minimum !== undefined && n < p.minimum) return [`${what} must be >= ${p.minimum}, got ${n}`];
        } else if (p.type === "boolean") {
            if (value !== "true" && value !== "false") return [`${what} must be true or false, got "${value}"`];
        } else if (p.type === "string") {
            if (p.minLength !== undefined && value.length < p.minLength) return [`${what} is shorter than ${p.minLength}`];
        }
        if (p.enum && !p.enum.includes(value)) return [`${what} must be one of ${p.enum.join(", ")}, got "${value}"`];
        return [];
    }

    resolve(schema: Schema): { schema: Schema; name?: string } {
        let name: string | undefined;
        let s = schema;
        for (let i = 0; s.$ref && i < 20; i++) {
            name = s.$ref.replace("#/definitions/", "");
            const next = this.definitions[name];
            if (!next) throw new Error(`swagger: unknown definition ${s.$ref}`);
            s = next;
        }
        return { schema: s, name };
    }

    /** JSON-schema-ish validation of a value; appends problems naming the JSON path. */
    validate(schemaIn: Schema, value: unknown, at: string, problems: string[], nullableHint = false): void {
        const nullable = nullableHint || schemaIn["x-nullable"] === true || schemaIn["x-isnullable"] === true;
        const { schema, name } = this.resolve(schemaIn);
        if (value === null) {
            if (!nullable && schema["x-nullable"] !== true && schema["x-isnullable"] !== true) problems.push(`${at} must not be null`);
            return;
        }
        const type = schema.type ?? (schema.properties ? "object" : undefined);
        switch (type) {
            case undefined:
                return; // {} in the spec: anything goes
            case "object": {
                // A bare `type: object` (no properties, no additionalProperties) is free-form: go-swagger makes it
                // interface{}, so Harbor takes any JSON there (retention params {"latestPushedK": 10}, trigger settings).
                if (!schema.properties && schema.additionalProperties === undefined) return;
                if (typeof value !== "object" || Array.isArray(value)) {
                    problems.push(`${at} must be an object${name ? ` (${name})` : ""}`);
                    return;
                }
                const obj = value as Record<string, unknown>;
                for (const req of schema.required ?? []) if (!(req in obj)) problems.push(`${at}.${req} is required${name ? ` by ${name}` : ""}`);
                for (const [k, v] of Object.entries(obj)) {
                    const prop = schema.properties?.[k];
                    if (prop) {
                        this.validate(prop, v, `${at}.${k}`, problems);
                    } else if (schema.additionalProperties === undefined || schema.additionalProperties === false) {
                        problems.push(`${at}.${k} is not a field of ${name ?? "this object"} (Harbor would silently ignore it)`);
                    } else if (typeof schema.additionalProperties === "object") {
                        this.validate(schema.additionalProperties, v, `${at}.${k}`, problems);
                    }
                }
                return;
            }
            case "array":
                if (!Array.isArray(value)) {
                    problems.push(`${at} must be an array`);
                    return;
                }
                value.forEach((v, i) => this.validate(schema.items ?? {}, v, `${at}[${i}]`, problems));
                return;
            case "string":
                if (typeof value !== "string") problems.push(`${at} must be a string, got ${JSON.stringify(value)}`);
                else {
                    if (schema.maxLength !== undefined && value.length > schema.maxLength) problems.push(`${at} is longer than ${schema.maxLength}`);
                    if (schema.enum && !schema.enum.includes(value)) problems.push(`${at} must be one of ${schema.enum.join(", ")}, got "${value}"`);
                }
                return;
            case "integer":
                if (typeof value !== "number" || !Number.isInteger(value)) problems.push(`${at} must be an integer, got ${JSON.stringify(value)}`);
                else if (schema.format === "int32" && (value > 2 ** 31 - 1 || value < -(2 ** 31))) problems.push(`${at} does not fit int32`);
                return;
            case "number":
                if (typeof value !== "number") problems.push(`${at} must be a number, got ${JSON.stringify(value)}`);
                return;
            case "boolean":
                if (typeof value !== "boolean") problems.push(`${at} must be a boolean, got ${JSON.stringify(value)}`);
                return;
            default:
                return; // "file" and other exotic types: not used by the JSON API parts we emulate
        }
    }
}

/** Marker for a body that failed to parse. */
export const INVALID_JSON = Symbol("invalid-json");

function schemaName(s?: Schema): string {
    return s?.$ref ? s.$ref.replace("#/definitions/", "") : "object";
}

function safeDecode(s: string): string {
    try {
        return decodeURIComponent(s);
    } catch {
        return s;
    }
}

const cache = new Map<string, SwaggerSpec>();

/** The compiled spec, cached per file for the process (the carried contract by default). */
export function loadSpec(file: string = CONTRACT_SPEC_FILE): SwaggerSpec {
    let spec = cache.get(file);
    if (!spec) {
        spec = SwaggerSpec.load(file);
        cache.set(file, spec);
    }
    return spec;
}
