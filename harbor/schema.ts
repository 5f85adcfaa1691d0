// A Harbor resource's declaration, the one place its inputs are described — as a real provider's schema does: for
// each field its rule (harbor/fields.ts), one line of documentation, and whether a change replaces the object, the
// value is secret, or Harbor never shows it back; and the outputs the provider adds. From it come:
//  - `check` (every field's rule, unknown keys refused, the cross-field rules);
//  - `diff`'s managed keys and which of them replace;
//  - the TypeScript input types (`InputsOf`, `ArgsOf`) and the output names the resource registers;
//  - the inputs table in harbor/README.md (`npm run harbor-docs` writes it; tests/harbor/readme.spec.ts compares).
// Adding a field to a declared resource = one entry here, plus the provider's request code and its tests.
import type * as pulumi from "@pulumi/pulumi";
import type { Field, Presence } from "./fields";
import { adoptInput, Connection, diffManaged, DiffSpec, InputChecker } from "./provider";
import type { ConnectionArgs } from "./resource";

/**
 * Whether a field may be unset: `required` (unset is a failure), `defaulted` (unset = its rule's default), or
 * `optional` (unset stays unset: the checked inputs have no such key). A top-level field's is its InputSpec's; a nested
 * field's its rule's (harbor/fields.ts Field's `P`, from the builder's rules).
 */
export type { Presence };

/** One input field: its rule (whose `A` is how the program gives it) and what a provider schema says about it. */
export interface InputSpec<T, P extends Presence = Presence, A = T> {
    readonly rule: Field<T, Presence, A>;
    readonly presence: P;
    /** One line: what it is, its default, what Harbor does with it. */
    readonly doc: string;
    /** A change replaces the object (Harbor cannot change it in place). */
    readonly replaces?: boolean;
    /** Harbor never shows it back (e.g. a password): state keeps what was sent. */
    readonly writeOnly?: boolean;
    /** Not compared by the declared diff: the provider's own diff rule decides (e.g. `projectId`, withProjectIdDiff). */
    readonly unmanaged?: boolean;
}

type Facts = { replaces?: boolean; writeOnly?: boolean; unmanaged?: boolean };

/** A field with a default, e.g. `input(numberField({ default: 1, min: 1, max: 10 }), "Parallel workers.")`. */
export function input<T, A = T>(rule: Field<T, Presence, A>, doc: string, facts: Facts = {}): InputSpec<T, "defaulted", A> {
    if (rule.default === undefined) throw new Error("input: the field's rule needs a default (else use optionalInput or requiredInput)");
    return { rule, presence: "defaulted", doc, ...facts };
}

/** A field that may stay unset (no default). */
export function optionalInput<T, A = T>(rule: Field<T, Presence, A>, doc: string, facts: Facts = {}): InputSpec<T, "optional", A> {
    return { rule, presence: "optional", doc, ...facts };
}

/** A required field (its rule must say so too: `required: true`). */
export function requiredInput<T, A = T>(rule: Field<T, Presence, A>, doc: string, facts: Facts = {}): InputSpec<T, "required", A> {
    if (!rule.requiredMessage) throw new Error("requiredInput: the field's rule must be required");
    return { rule, presence: "required", doc, ...facts };
}

export interface OutputSpec {
    readonly doc: string;
    readonly secret?: boolean;
}

type Inputs = Record<string, InputSpec<unknown, Presence, unknown>>;
type ValueOf<S> = S extends InputSpec<infer T, Presence, unknown> ? T : never;
/** A field as the program gives it (an object's defaulted and optional keys may be left out, at any depth). */
type ArgOf<S> = S extends InputSpec<unknown, Presence, infer A> ? A : never;
type KeysWhere<F extends Inputs, P extends Presence> = { [K in keyof F]: F[K]["presence"] extends P ? K : never }[keyof F];

/** The checked inputs of a declaration: defaults applied; optional fields may be absent. */
export type InputsOf<F extends Inputs> = { connection: Connection }
    & { [K in KeysWhere<F, "required" | "defaulted">]: ValueOf<F[K]> }
    & { [K in KeysWhere<F, "optional">]?: ValueOf<F[K]> };

/**
 * A value as the program may give it: itself or an Output, lists and objects of Inputs too (optional keys stay
 * optional). One Input around a union (an Output<"ldap" | "http"> is a DeepInput<GroupType>).
 */
export type DeepInput<T> = pulumi.Input<DeepInputs<T>>;
type DeepInputs<T> = T extends readonly (infer U)[] ? DeepInput<U>[]
    : T extends object ? { [K in keyof T]: DeepInput<T[K]> }
    : T;

/**
 * The program-side arguments of a declaration: required fields required, every value an Input; inside object and
 * list fields, by each inner field's presence (harbor/fields.ts ArgValuesOf).
 */
export type ArgsOf<F extends Inputs> = { connection: pulumi.Input<ConnectionArgs> }
    & { [K in KeysWhere<F, "required">]: DeepInput<ArgOf<F[K]>> }
    & { [K in KeysWhere<F, "defaulted" | "optional">]?: DeepInput<ArgOf<F[K]>> };

/** The Args of an adoptable resource (`adoptable: true`): its declared Args plus `adopt`. */
export type AdoptableArgsOf<F extends Inputs> = ArgsOf<F> & {
    /**
     * Take over the object of the same identity that already exists in Harbor and converge it to these inputs
     * (default false; harbor/README.md "Adoption" says what each type can take over, e.g. a robot's secret is reset).
     */
    adopt?: pulumi.Input<boolean>;
};

export interface ResourceSpec<F extends Inputs, T extends string = string> {
    /** The resource type, as registered (`pulumi-nodejs:dynamic/harbor:<type>`). */
    readonly type: T;
    readonly inputs: F;
    readonly outputs: Readonly<Record<string, OutputSpec>>;
    /**
     * Rules beyond one field's own (across fields, or on a list's length), run on every check so that every mistake
     * is reported at once: a value that failed its field's rule is its default (or what was written), or the
     * engine's unknown placeholder, so a rule checks the types it relies on; `failed(property)` says whether that
     * property already failed (to report one thing at a time).
     */
    readonly rules?: (inputs: InputsOf<F>, fail: (property: string, reason: string) => void, failed: (property: string) => boolean) => void;
    /**
     * The resource takes `adopt` (harbor/README.md "Adoption"): a boolean, default false, in the checked inputs only
     * when true, never managed (turning it off later changes nothing).
     */
    readonly adoptable?: boolean;
    /**
     * The canonical form of the checked inputs, after the rules: defaults that depend on other fields (a robot's
     * level from its project), sorted sets. Read-back maps Harbor's answer through it too (no phantom diff).
     */
    readonly normalise?: (inputs: InputsOf<F>) => InputsOf<F>;
    /** A replacement deletes the old object first (its replacement would clash with it, e.g. on a unique name). */
    readonly deleteBeforeReplace?: (olds: Partial<InputsOf<F>>, news: InputsOf<F>) => boolean;
}

export class ResourceDeclaration<F extends Inputs, T extends string = string> {
    constructor(readonly spec: ResourceSpec<F, T>) {}

    get type(): T {
        return this.spec.type;
    }

    /** The input keys a diff compares (every declared field; never the connection). */
    get managed(): (keyof InputsOf<F>)[] {
        return Object.entries(this.spec.inputs).filter(([, s]) => !s.unmanaged).map(([k]) => k) as (keyof InputsOf<F>)[];
    }

    /** The fields whose change replaces the object. */
    get replaceOn(): (keyof InputsOf<F>)[] {
        return Object.entries(this.spec.inputs).filter(([, s]) => s.replaces).map(([k]) => k) as (keyof InputsOf<F>)[];
    }

    /** The outputs the resource registers (seeded undefined), and which of them are secret. */
    get outputNames(): string[] {
        return Object.keys(this.spec.outputs);
    }

    get secretOutputs(): string[] {
        return Object.entries(this.spec.outputs).filter(([, o]) => o.secret).map(([k]) => k);
    }

    /** `check`: each field by its rule (defaults applied, unknowns passed through), unknown keys refused, then the cross-field rules. */
    check(news: unknown): pulumi.dynamic.CheckResult<InputsOf<F>> {
        const c = new InputChecker((news ?? {}) as object);
        const out: Record<string, unknown> = { connection: c.connection() };
        for (const [key, spec] of Object.entries(this.spec.inputs)) {
            const value = c.field(key, spec.rule);
            if (value !== undefined) out[key] = value;
        }
        const inputs = out as InputsOf<F>;
        this.spec.rules?.(inputs, (property, reason) => c.fail(property, reason), (property) => c.failures.some((f) => f.property === property));
        if (this.spec.adoptable && adoptInput(c)) out.adopt = true;
        return c.result(this.spec.normalise ? this.spec.normalise(inputs) : inputs);
    }

    /**
     * `diff`: the declared fields compared, the replacing ones marked. Pure. `deleteBeforeReplace` when the
     * replacement would clash with the old object (e.g. on a unique name).
     */
    diff(olds: Partial<InputsOf<F>>, news: InputsOf<F>, opts: Pick<DiffSpec<InputsOf<F>>, "deleteBeforeReplace"> = {}): pulumi.dynamic.DiffResult {
        return diffManaged<InputsOf<F>>(olds, news, { managed: this.managed, replaceOn: this.replaceOn, deleteBeforeReplace: this.spec.deleteBeforeReplace, ...opts });
    }

    /** The inputs table of harbor/README.md. */
    referenceTable(): string {
        const rows = Object.entries(this.spec.inputs).map(([key, s]) => {
            const presence = s.presence === "defaulted" ? `default \`${JSON.stringify(s.rule.default)}\`` : s.presence;
            const facts = [presence, s.replaces ? "replaces" : "", s.writeOnly ? "write-only" : ""].filter(Boolean).join(", ");
            return `| \`${key}\` | ${s.rule.summary} | ${facts} | ${s.doc} |`;
        });
        if (this.spec.adoptable) rows.push("| `adopt` | boolean | default `false`, not compared | Take over the existing object of the same identity and converge it (see Adoption). |");
        const outputs = Object.entries(this.spec.outputs).map(([key, o]) => `| \`${key}\` (output) | | ${o.secret ? "secret" : ""} | ${o.doc} |`);
        return ["| Input | Accepts | | What |", "|---|---|---|---|", "| `connection` | `{ url, username, password, caCert?, insecure? }` | required, secret | How to reach Harbor. |", ...rows, ...outputs].join("\n");
    }
}

export function declareResource<F extends Inputs, T extends string>(spec: ResourceSpec<F, T>): ResourceDeclaration<F, T> {
    return new ResourceDeclaration(spec);
}
