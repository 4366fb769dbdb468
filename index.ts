import * as pulumi from "@pulumi/pulumi";
import { createLake } from "./components/energy-data-lake";
import { parseStackConfig, STACK_CONFIG_KEYS } from "./src/aws/config";

// The Pulumi entry point: read the stack's energy-lake:* config, validate it, build the lake.
const projectConfig = new pulumi.Config();
const raw = Object.fromEntries(Object.keys(STACK_CONFIG_KEYS).map((key) => [key, projectConfig.get(key)]));
const lake = createLake(parseStackConfig(raw, pulumi.getProject(), pulumi.getStack()));

export const accountId = lake.outputs.accountId;
export const region = lake.outputs.region;
export const keyArn = lake.outputs.keyArn;
export const buckets = lake.outputs.buckets;
export const bucketArns = lake.outputs.bucketArns;
export const databases = lake.outputs.databases;
export const crawlers = lake.outputs.crawlers;
export const glueJobs = lake.outputs.glueJobs;
export const glueSecurityConfiguration = lake.outputs.glueSecurityConfiguration;
export const rulesets = lake.outputs.rulesets;
export const athenaWorkgroup = lake.outputs.athenaWorkgroup;
export const athenaWorkgroupArn = lake.outputs.athenaWorkgroupArn;
export const preparedStatements = lake.outputs.preparedStatements;
export const namedQueries = lake.outputs.namedQueries;
export const stateMachineName = lake.outputs.stateMachineName;
export const stateMachineArn = lake.outputs.stateMachineArn;
export const alarmTopicArn = lake.outputs.alarmTopicArn;
export const redshift = lake.outputs.redshift;
export const roles = lake.outputs.roles;
export const accessPrincipals = lake.outputs.accessPrincipals;
export const lfTagKeys = lake.outputs.lfTagKeys;
