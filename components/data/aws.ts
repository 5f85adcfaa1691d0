import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { childOf, DatabaseRef, RedisRef, TOKEN_PREFIX } from "../common";

/** Arguments of {@link AwsDatabase}. */
export interface AwsDatabaseArgs {
    vpcId: string;
    /** Private subnets in at least two zones. */
    subnetIds: string[];
    /** Security groups of the cluster's nodes/pods: the only sources allowed to connect. */
    clusterSecurityGroupIds: string[];
    /** Alternatively (or in addition), CIDR blocks allowed to connect, e.g. the pod network. */
    allowedCidrBlocks: string[];
    postgres: {
        instanceClass: string;
        engineVersion: string;
        allocatedStorageGiB: number;
        maxAllocatedStorageGiB: number;
        backupRetentionDays: number;
        username: string;
        /** Created with the instance; Harbor's `database.external.coreDatabase`. */
        database: string;
        sslmode: DatabaseRef["sslmode"];
    };
    redis: { nodeType: string; engineVersion: string; nodes: number };
    /** Prod: deletion protection, a final snapshot and Pulumi `protect`. */
    protect: boolean;
    tags?: Record<string, string>;
}

/**
 * Harbor's state on AWS: RDS PostgreSQL (Multi-AZ, encrypted, `registry` database created) and an ElastiCache
 * Redis replication group (automatic failover, Multi-AZ, encryption in transit and at rest, AUTH token), both
 * reachable only from the cluster's security groups / CIDRs. Passwords come from @pulumi/random and stay secret.
 */
export class AwsDatabase extends pulumi.ComponentResource {
    readonly instance: aws.rds.Instance;
    readonly replicationGroup: aws.elasticache.ReplicationGroup;
    /** `host:port` of the PostgreSQL instance. */
    readonly databaseEndpoint: pulumi.Output<string>;
    readonly database: DatabaseRef;
    readonly redis: RedisRef;

    constructor(name: string, args: AwsDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super(`${TOKEN_PREFIX}:data:AwsDatabase`, name, {}, opts);
        const tags = args.tags ?? {};
        const fromCluster = (port: number, description: string): aws.types.input.ec2.SecurityGroupIngress[] => [
            ...(args.clusterSecurityGroupIds.length > 0
                ? [{ protocol: "tcp", fromPort: port, toPort: port, securityGroups: args.clusterSecurityGroupIds, description }]
                : []),
            ...(args.allowedCidrBlocks.length > 0
                ? [{ protocol: "tcp", fromPort: port, toPort: port, cidrBlocks: args.allowedCidrBlocks, description }]
                : []),
        ];

        // Each data service gets a security group of its own that admits only the cluster, on its port.
        const clusterOnly = (part: string, service: string, port: number) => new aws.ec2.SecurityGroup(`${name}-${part}`, {
            vpcId: args.vpcId,
            description: `Harbor ${service}: only from the cluster`,
            ingress: fromCluster(port, `${service} from the cluster`),
            tags,
        }, childOf(this));

        // PostgreSQL
        const dbSg = clusterOnly("postgres", "PostgreSQL", 5432);
        const dbSubnets = new aws.rds.SubnetGroup(`${name}-postgres`, { subnetIds: args.subnetIds, tags }, childOf(this));
        // RDS rejects '/', '@', '"' and spaces; alphanumerics are enough at this length.
        const dbPassword = new random.RandomPassword(`${name}-postgres`, { length: 40, special: false }, childOf(this));
        this.instance = new aws.rds.Instance(`${name}-postgres`, {
            engine: "postgres",
            engineVersion: args.postgres.engineVersion,
            instanceClass: args.postgres.instanceClass,
            allocatedStorage: args.postgres.allocatedStorageGiB,
            // Equal to the allocated storage means no autoscaling: RDS rejects a threshold that is not above it.
            maxAllocatedStorage: args.postgres.maxAllocatedStorageGiB > args.postgres.allocatedStorageGiB
                ? args.postgres.maxAllocatedStorageGiB
                : undefined,
            storageType: "gp3",
            storageEncrypted: true,
            multiAz: true,
            dbName: args.postgres.database,
            username: args.postgres.username,
            password: dbPassword.result,
            dbSubnetGroupName: dbSubnets.name,
            vpcSecurityGroupIds: [dbSg.id],
            publiclyAccessible: false,
            backupRetentionPeriod: args.postgres.backupRetentionDays,
            copyTagsToSnapshot: true,
            autoMinorVersionUpgrade: true,
            deletionProtection: args.protect,
            skipFinalSnapshot: !args.protect,
            finalSnapshotIdentifier: args.protect ? `${name}-postgres-final` : undefined,
            // Not available on micro/small classes: RDS would reject the instance.
            performanceInsightsEnabled: !/\.(micro|small)$/.test(args.postgres.instanceClass),
            tags,
        }, childOf(this, { protect: args.protect, additionalSecretOutputs: ["password"] }));

        // Redis
        const redisSg = clusterOnly("redis", "Redis", 6379);
        const redisSubnets = new aws.elasticache.SubnetGroup(`${name}-redis`, { subnetIds: args.subnetIds, tags }, childOf(this));
        const authToken = new random.RandomPassword(`${name}-redis`, { length: 64, special: false }, childOf(this));
        this.replicationGroup = new aws.elasticache.ReplicationGroup(`${name}-redis`, {
            description: "Harbor cache and job queue",
            engine: "redis",
            engineVersion: args.redis.engineVersion,
            nodeType: args.redis.nodeType,
            numCacheClusters: args.redis.nodes,
            automaticFailoverEnabled: true,
            multiAzEnabled: true,
            transitEncryptionEnabled: true,
            atRestEncryptionEnabled: true,
            authToken: authToken.result,
            port: 6379,
            subnetGroupName: redisSubnets.name,
            securityGroupIds: [redisSg.id],
            snapshotRetentionLimit: args.protect ? 7 : 0,
            applyImmediately: !args.protect,
            tags,
        }, childOf(this, { protect: args.protect, additionalSecretOutputs: ["authToken"] }));

        this.databaseEndpoint = pulumi.interpolate`${this.instance.address}:${this.instance.port}`;
        this.database = {
            host: this.instance.address,
            port: this.instance.port,
            username: args.postgres.username,
            database: args.postgres.database,
            sslmode: args.postgres.sslmode,
            password: pulumi.secret(dbPassword.result),
        };
        this.redis = {
            addr: pulumi.interpolate`${this.replicationGroup.primaryEndpointAddress}:6379`,
            tls: true,
            password: pulumi.secret(authToken.result),
        };
        this.registerOutputs({ databaseEndpoint: this.databaseEndpoint, redisAddr: this.redis.addr });
    }
}
