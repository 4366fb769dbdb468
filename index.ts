import * as pulumi from "@pulumi/pulumi";
import { deployLake } from "./components/energy-data-lake";
import { parseStackConfig, STACK_CONFIG_KEYS } from "./src/aws/config";

// The Pulumi entry point: read the stack's energy-lake:* config, validate it (and, with the
// credentials in use, who deploys it), then build the lake.
const projectConfig = new pulumi.Config();
const raw = Object.fromEntries(Object.keys(STACK_CONFIG_KEYS).map((key) => [key, projectConfig.get(key)]));
const lake = pulumi.output(deployLake(parseStackConfig(raw, pulumi.getProject(), pulumi.getStack())).then((l) => l.outputs));

export const prefix = lake.prefix;
export const accountId = lake.accountId;
export const region = lake.region;
export const keyArn = lake.keyArn;
export const buckets = lake.buckets;
export const bucketArns = lake.bucketArns;
export const databases = lake.databases;
export const crawlers = lake.crawlers;
export const glueJobs = lake.glueJobs;
export const glueSecurityConfiguration = lake.glueSecurityConfiguration;
export const rulesets = lake.rulesets;
export const athenaWorkgroup = lake.athenaWorkgroup;
export const athenaWorkgroupArn = lake.athenaWorkgroupArn;
export const athenaWorkgroups = lake.athenaWorkgroups;
export const preparedStatements = lake.preparedStatements;
export const namedQueries = lake.namedQueries;
export const stateMachineName = lake.stateMachineName;
export const stateMachineArn = lake.stateMachineArn;
export const alarmTopicArn = lake.alarmTopicArn;
export const loadMarker = lake.loadMarker;
export const reportFunctionName = lake.reportFunctionName;
export const reportFunctionArn = lake.reportFunctionArn;
export const qualityReports = lake.qualityReports;
export const redshift = lake.redshift;
export const roles = lake.roles;
export const accessPrincipals = lake.accessPrincipals;
export const lfTagKeys = lake.lfTagKeys;
export const lakeFormationAdmins = lake.lakeFormationAdmins;
