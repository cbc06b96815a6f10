/**
 * The project's one HTTP client: node-fetch. It takes node:http/node:https Agents, which the
 * OpenStack transport needs for its TLS options (CA bundle, client certificate, `--insecure`) and
 * for sending POST/PATCH on a fresh connection; Node's global fetch cannot take an Agent.
 * Every module that speaks HTTP (openstack/http.ts, the registry checks, the registry driver's
 * health probe) imports it from here.
 */
export { default as fetch, Headers, type BodyInit, type RequestInit, type Response } from 'node-fetch';
