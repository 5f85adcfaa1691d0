// Loads Harbor's API spec as the repository carries it (contract/harbor-api.json: the structure of Harbor v2.15's
// swagger.yaml, written by `npm run sync-contract`) and validates requests against it: path template and
// method, path/query/header parameters (presence, type, enum, bounds, unknown query keys), and the JSON body
// against its schema ($ref, required, types, enums, nullability). JSON fields the spec does not define are
// REJECTED: Harbor silently ignores them, which would hide client bugs. Responses are checked the same way.
//
// The checking is ajv's (JSON Schema draft-07): Swagger 2.0 schemas become JSON Schema in `toJsonSchema` (x-nullable,
// closed objects, int32) and parameters one object schema per operation (`paramsSchema`, strings coerced to their
// declared types); what is hand-written here is only that translation and the wording of ajv's errors (`describe`).
import * as fs from "fs";
import * as path from "path";
import Ajv, { ErrorObject, ValidateFunction } from "ajv";

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
        const values: Record<In, Record<string, unknown>> = { path: {}, query: {}, header: {} };
        let bodyParam: Parameter | undefined;
        for (const p of op.parameters) {
            if (p.in === "path") {
                if (params[p.name] !== undefined) values.path[p.name] = params[p.name];
            } else if (p.in === "query") {
                const given = query.getAll(p.name);
                if (given.length > 1 && p.type !== "array") problems.push(`query parameter ${p.name} is given ${given.length} times`);
                if (given.length > 0) values.query[p.name] = p.type === "array" ? given : given[0];
            } else if (p.in === "header") {
                const raw = headers[p.name.toLowerCase()];
                const v = Array.isArray(raw) ? raw[0] : raw;
                if (v !== undefined) values.header[p.name.toLowerCase()] = v;
            } else if (p.in === "body") {
                bodyParam = p;
            }
        }
        for (const key of new Set(query.keys())) if (!(key in values.query)) values.query[key] = query.get(key);
        const check = this.paramsValidator(op);
        if (!check(values)) problems.push(...describeParams(op, check.errors ?? []));
        if (bodyParam) {
            if (!hasBody) {
                if (bodyParam.required) problems.push(`a JSON body (${schemaName(bodyParam.schema)}) is required`);
            } else if (body === INVALID_JSON) {
                problems.push("the body is not valid JSON");
            } else {
                problems.push(...this.validate(bodyParam.schema ?? {}, body, "body", "Harbor would silently ignore it"));
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
        const hint = "Harbor's model has no such field";
        if (status >= 200 && status < 300) {
            const declared = op.responses[String(status)];
            if (!declared) return [`status ${status} is not a response of ${op.operationId} (declared: ${Object.keys(op.responses).join(", ")})`];
            if (declared.schema) return body === undefined ? [] : this.validate(declared.schema, body, "response", hint);
            if (body !== undefined && op.method !== "HEAD") return [`${op.operationId} ${status} declares no body, but one was sent`];
        } else if (status >= 400 && this.definitions.Errors) {
            return this.validate(ERRORS, body, "error response", hint);
        }
        return [];
    }

    /** Validate a JSON value against a spec schema; problems name the JSON path from `at`. */
    validate(schema: Schema, value: unknown, at: string, hint: string): string[] {
        let check = this.compiled.get(schema);
        if (!check) {
            check = this.ajv().compile(toJsonSchema(schema));
            this.compiled.set(schema, check);
        }
        return check(value) ? [] : describe(check.errors ?? [], value, at, hint);
    }

    private readonly compiled = new WeakMap<Schema, ValidateFunction>();
    private readonly paramChecks = new WeakMap<Operation, ValidateFunction>();
    private bodies?: Ajv;
    private params?: Ajv;

    /** ajv for bodies, compiled once per schema on first use; the definitions are one schema, `harbor`. */
    private ajv(): Ajv {
        if (!this.bodies) {
            // Compiling is most of the cost (one schema per body or response the tests meet): optimize off halves it.
            this.bodies = new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true, inlineRefs: false, code: { optimize: false } });
            this.bodies.addFormat("int32", { type: "number", validate: (n: number) => n >= -(2 ** 31) && n <= 2 ** 31 - 1 });
            const definitions = Object.fromEntries(Object.entries(this.definitions).map(([name, d]) => [name, { title: name, ...toJsonSchema(d) }]));
            this.bodies.addSchema({ $id: DEFINITIONS, definitions });
        }
        return this.bodies;
    }

    /** The operation's path, query and header parameters as one schema (values arrive as strings: coerced). */
    private paramsValidator(op: Operation): ValidateFunction {
        let check = this.paramChecks.get(op);
        if (!check) {
            this.params ??= new Ajv({ allErrors: true, verbose: true, coerceTypes: true, code: { optimize: false } });
            const group = (where: In) => {
                const ps = op.parameters.filter((p) => p.in === where);
                const key = (p: Parameter) => (where === "header" ? p.name.toLowerCase() : p.name);
                return {
                    type: "object",
                    properties: Object.fromEntries(ps.map((p) => [key(p), scalarSchema(p)])),
                    required: ps.filter((p) => p.required).map(key),
                    ...(where === "query" ? { additionalProperties: false } : {}),
                };
            };
            check = this.params.compile({ type: "object", properties: { path: group("path"), query: group("query"), header: group("header") } });
            this.paramChecks.set(op, check);
        }
        return check;
    }
}

type In = "path" | "query" | "header";

const DEFINITIONS = "harbor";
const ERRORS: Schema = { $ref: "#/definitions/Errors" };

/** A JSON Schema (draft-07), as ajv takes it. */
type JsonSchema = Record<string, unknown>;

/**
 * Swagger 2.0 schema -> JSON Schema, the way Harbor's go-swagger models read JSON: null only where x-nullable (or
 * x-isnullable) says so; an object with properties is closed (a field it does not define is refused) unless it has
 * additionalProperties; a bare `type: object` is free-form (go-swagger's interface{}: Harbor takes any JSON there,
 * e.g. retention params {"latestPushedK": 10}); of the formats only int32 is checked; `file`, a bare object and an
 * empty schema take anything but null.
 */
function toJsonSchema(s: Schema): JsonSchema {
    const nullable = s["x-nullable"] === true || s["x-isnullable"] === true;
    if (s.$ref) {
        const ref = { $ref: `${DEFINITIONS}#/definitions/${s.$ref.replace("#/definitions/", "")}` };
        return nullable ? { anyOf: [ref, { type: "null" }] } : ref;
    }
    const freeForm = s.type === "object" && !s.properties && s.additionalProperties === undefined;
    const type = s.type === "file" || freeForm ? undefined : s.type ?? (s.properties ? "object" : undefined);
    const out: JsonSchema = type ? { type: nullable ? [type, "null"] : type } : nullable ? {} : { not: { type: "null" } };
    if (s.enum) out.enum = nullable ? [...s.enum, null] : s.enum;
    if (s.maxLength !== undefined) out.maxLength = s.maxLength;
    if (s.format === "int32") out.format = "int32";
    if (type === "array") out.items = toJsonSchema(s.items ?? {});
    if (type === "object" && (s.properties || s.additionalProperties !== undefined)) {
        if (s.properties) out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, p]) => [k, toJsonSchema(p)]));
        if (s.required?.length) out.required = s.required;
        out.additionalProperties = typeof s.additionalProperties === "object" ? toJsonSchema(s.additionalProperties) : s.additionalProperties === true;
    }
    return out;
}

/** A path, query or header parameter's value schema. */
function scalarSchema(p: Parameter): JsonSchema {
    const out: JsonSchema = {};
    for (const k of ["type", "maximum", "minimum", "minLength", "enum"] as const) if (p[k] !== undefined) out[k] = p[k];
    if (p.type === "array") out.items = p.items ? scalarSchema(p.items as Parameter) : {};
    return out;
}

/** ajv's errors about a JSON value in the emulator's words ("body.metadata.auto_scann is not a field of ProjectMetadata"). */
function describe(errors: ErrorObject[], root: unknown, at: string, hint: string): string[] {
    const problems: string[] = [];
    const wrongType = new Set<string>(); // a value of the wrong type: its enum or length is not news
    for (const e of errors) {
        if (wrongType.has(e.instancePath)) continue;
        const where = at + jsonPath(root, e.instancePath);
        const name = (e.parentSchema as { title?: string } | undefined)?.title;
        const got = JSON.stringify(e.data);
        switch (e.keyword) {
            case "anyOf":
                break; // a nullable $ref: the branch errors say what is wrong
            case "not":
                problems.push(`${where} must not be null`);
                break;
            case "type": {
                const type = String(e.params.type).split(",")[0];
                if (type === "null") break; // the null branch of a nullable $ref
                wrongType.add(e.instancePath);
                if (e.data === null) problems.push(`${where} must not be null`);
                else if (type === "object") problems.push(`${where} must be an object${name ? ` (${name})` : ""}`);
                else if (type === "array") problems.push(`${where} must be an array`);
                else problems.push(`${where} must be ${type === "integer" ? "an" : "a"} ${type}, got ${got}`);
                break;
            }
            case "required":
                problems.push(`${where}.${e.params.missingProperty} is required${name ? ` by ${name}` : ""}`);
                break;
            case "additionalProperties":
                problems.push(`${where}.${e.params.additionalProperty} is not a field of ${name ?? "this object"} (${hint})`);
                break;
            case "enum":
                problems.push(`${where} must be one of ${(e.params.allowedValues as unknown[]).filter((v) => v !== null).join(", ")}, got ${typeof e.data === "string" ? `"${e.data}"` : got}`);
                break;
            case "maxLength":
                problems.push(`${where} is longer than ${e.params.limit}`);
                break;
            case "format":
                problems.push(`${where} does not fit ${e.params.format}`);
                break;
            default:
                problems.push(`${where} ${e.message}`);
        }
    }
    return problems;
}

/** ajv's errors about parameters: one per parameter, named as Harbor's docs name it. */
function describeParams(op: Operation, errors: ErrorObject[]): string[] {
    const problems = new Map<string, string>();
    for (const e of errors) {
        const [where, key] = e.instancePath.split("/").slice(1) as [In, string];
        const missing = e.params.missingProperty as string | undefined;
        const name = op.parameters.find((p) => p.in === where && (where === "header" ? p.name.toLowerCase() : p.name) === (key ?? missing))?.name ?? key ?? missing;
        const what = where === "header" ? `header ${name}` : `${where} parameter ${name}`;
        const value = e.data;
        let problem: string;
        if (e.keyword === "required") problem = `${what} is required`;
        else if (e.keyword === "additionalProperties") problem = `query parameter ${e.params.additionalProperty} is not defined for ${op.operationId}`;
        else if (e.keyword === "type" && e.params.type === "integer") problem = `${what} must be an integer, got "${value}"`;
        else if (e.keyword === "type" && e.params.type === "boolean") problem = `${what} must be true or false, got "${value}"`;
        else if (e.keyword === "maximum" || e.keyword === "minimum") problem = `${what} must be ${e.params.comparison} ${e.params.limit}, got ${value}`;
        else if (e.keyword === "minLength") problem = `${what} is shorter than ${e.params.limit}`;
        else if (e.keyword === "enum") problem = `${what} must be one of ${(e.params.allowedValues as unknown[]).join(", ")}, got "${value}"`;
        else problem = `${what} ${e.message}`;
        const id = e.keyword === "additionalProperties" ? `query/${e.params.additionalProperty}` : `${where}/${name}`;
        if (!problems.has(id)) problems.set(id, problem);
    }
    return [...problems.values()];
}

/** A JSON pointer (/metadata/auto_scann, /items/0) as the path the messages use (.metadata.auto_scann, .items[0]). */
function jsonPath(root: unknown, pointer: string): string {
    let out = "";
    let node = root;
    for (const raw of pointer.split("/").slice(1)) {
        const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
        out += Array.isArray(node) ? `[${key}]` : `.${key}`;
        node = (node as Record<string, unknown> | undefined)?.[key];
    }
    return out;
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
