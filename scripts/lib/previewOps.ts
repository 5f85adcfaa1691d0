/**
 * The few Pulumi operations the preview script needs, behind an interface: the real implementation
 * (scripts/lib/automationOps.ts) shells out to the Pulumi CLI through the Automation API; tests inject a fake.
 */

/** A config map as `pulumi config --json --show-secrets` returns it (values decrypted, flagged secret). */
export type ConfigMap = Record<string, { value: string; secret?: boolean }>;

/** A stack output: value plus whether the engine marked it secret. */
export interface OutputValue {
    value: unknown;
    secret: boolean;
}

export interface StackSummary {
    name: string;
    /** ISO timestamp of the last update; absent for a stack that was never deployed. */
    lastUpdate?: string;
    updateInProgress?: boolean;
    resourceCount?: number;
}

export interface PreviewOps {
    listStacks(): Promise<StackSummary[]>;
    /** Decrypted config of an existing stack (the source of a preview). */
    getAllConfig(stack: string): Promise<ConfigMap>;
    createOrSelectStack(stack: string): Promise<void>;
    /** Writes the config into the stack, encrypting secrets with that stack's own key. */
    setAllConfig(stack: string, config: ConfigMap): Promise<void>;
    /** `pulumi up` of the stack; resolves to its outputs. */
    up(stack: string): Promise<Record<string, OutputValue>>;
    destroy(stack: string): Promise<void>;
    removeStack(stack: string): Promise<void>;
}
