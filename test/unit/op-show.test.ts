/**
 * `op show` against the real client's format rules: Operation Parameters
 * is the JSON string Tacker v1 stores (Python json.dumps: `": "`, `", "`, non-ASCII as \\uXXXX), shown
 * quoted in a table cell; _links are Tacker's, with grant; a FAILED_TEMP occurrence shows the stored
 * error, whose detail names the failed step and node. The expected texts were produced by the real
 * client's own code (tackerclient 1.12.0 _get_columns/get_item_properties + cliff 4.0.0 formatters)
 * from the same occurrence.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { Store } from '../../src/lib/store/index.js';
import { runCli, tempHome } from '../helpers/cli.js';

const OP = 'b5a5b7d4-5e2c-4b8a-9f0e-2f6f0e1c2a11';
const INSTANCE = 'f93ed99c-e2f2-4f18-8377-37a171ea344f';

const REAL_TABLE = [
    "+-------------------------------+---------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+",
    "| Field                         | Value                                                                                                                                                                                                                                 |",
    "+-------------------------------+---------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+",
    "| Cancel Mode                   | None                                                                                                                                                                                                                                  |",
    "| Changed External Connectivity |                                                                                                                                                                                                                                       |",
    "| Changed Info                  |                                                                                                                                                                                                                                       |",
    "| Error                         | {                                                                                                                                                                                                                                     |",
    "|                               |     \"title\": \"Instantiate failed\",                                                                                                                                                                                                    |",
    "|                               |     \"status\": 500,                                                                                                                                                                                                                    |",
    "|                               |     \"detail\": \"Step \\\"install docker.io\\\" failed on ubuntu@10.10.0.5:22 with exit code 100.\\nLast lines of stderr:\\n  E: Unable to locate package docker.io\"                                                                          |",
    "|                               | }                                                                                                                                                                                                                                     |",
    "| Grant ID                      | None                                                                                                                                                                                                                                  |",
    "| ID                            | b5a5b7d4-5e2c-4b8a-9f0e-2f6f0e1c2a11                                                                                                                                                                                                  |",
    "| Is Automatic Invocation       | False                                                                                                                                                                                                                                 |",
    "| Is Cancel Pending             | False                                                                                                                                                                                                                                 |",
    "| Links                         | {                                                                                                                                                                                                                                     |",
    "|                               |     \"self\": {                                                                                                                                                                                                                         |",
    "|                               |         \"href\": \"/vnflcm/v1/vnf_lcm_op_occs/b5a5b7d4-5e2c-4b8a-9f0e-2f6f0e1c2a11\"                                                                                                                                                     |",
    "|                               |     },                                                                                                                                                                                                                                |",
    "|                               |     \"vnfInstance\": {                                                                                                                                                                                                                  |",
    "|                               |         \"href\": \"/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f\"                                                                                                                                                       |",
    "|                               |     },                                                                                                                                                                                                                                |",
    "|                               |     \"retry\": {                                                                                                                                                                                                                        |",
    "|                               |         \"href\": \"/vnflcm/v1/vnf_lcm_op_occs/b5a5b7d4-5e2c-4b8a-9f0e-2f6f0e1c2a11/retry\"                                                                                                                                               |",
    "|                               |     },                                                                                                                                                                                                                                |",
    "|                               |     \"rollback\": {                                                                                                                                                                                                                     |",
    "|                               |         \"href\": \"/vnflcm/v1/vnf_lcm_op_occs/b5a5b7d4-5e2c-4b8a-9f0e-2f6f0e1c2a11/rollback\"                                                                                                                                            |",
    "|                               |     },                                                                                                                                                                                                                                |",
    "|                               |     \"grant\": {                                                                                                                                                                                                                        |",
    "|                               |         \"href\": \"/vnflcm/v1/vnf_lcm_op_occs/b5a5b7d4-5e2c-4b8a-9f0e-2f6f0e1c2a11/grant\"                                                                                                                                               |",
    "|                               |     },                                                                                                                                                                                                                                |",
    "|                               |     \"fail\": {                                                                                                                                                                                                                         |",
    "|                               |         \"href\": \"/vnflcm/v1/vnf_lcm_op_occs/b5a5b7d4-5e2c-4b8a-9f0e-2f6f0e1c2a11/fail\"                                                                                                                                                |",
    "|                               |     }                                                                                                                                                                                                                                 |",
    "|                               | }                                                                                                                                                                                                                                     |",
    "| Operation                     | INSTANTIATE                                                                                                                                                                                                                           |",
    "| Operation Parameters          | \"{\\\"flavourId\\\": \\\"simple\\\", \\\"additionalParams\\\": {\\\"private_registry_installation_param\\\": {\\\"ssh_cp_name\\\": \\\"CP1\\\", \\\"ssh_username\\\": \\\"ubuntu\\\", \\\"ssh_password\\\": \\\"********\\\", \\\"port_no\\\": 5000}}, \\\"note\\\": \\\"caf\\\\u00e9\\\"}\" |",
    "| Operation State               | FAILED_TEMP                                                                                                                                                                                                                           |",
    "| Resource Changes              |                                                                                                                                                                                                                                       |",
    "| Start Time                    | 2026-12-03T09:00:00Z                                                                                                                                                                                                                  |",
    "| State Entered Time            | 2026-12-03T09:00:05Z                                                                                                                                                                                                                  |",
    "| VNF Instance ID               | f93ed99c-e2f2-4f18-8377-37a171ea344f                                                                                                                                                                                                  |",
    "+-------------------------------+---------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+",
    ""
].join('\n');

const REAL_JSON = [
    "{",
    "  \"Links\": {",
    "    \"self\": {",
    "      \"href\": \"/vnflcm/v1/vnf_lcm_op_occs/b5a5b7d4-5e2c-4b8a-9f0e-2f6f0e1c2a11\"",
    "    },",
    "    \"vnfInstance\": {",
    "      \"href\": \"/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f\"",
    "    },",
    "    \"retry\": {",
    "      \"href\": \"/vnflcm/v1/vnf_lcm_op_occs/b5a5b7d4-5e2c-4b8a-9f0e-2f6f0e1c2a11/retry\"",
    "    },",
    "    \"rollback\": {",
    "      \"href\": \"/vnflcm/v1/vnf_lcm_op_occs/b5a5b7d4-5e2c-4b8a-9f0e-2f6f0e1c2a11/rollback\"",
    "    },",
    "    \"grant\": {",
    "      \"href\": \"/vnflcm/v1/vnf_lcm_op_occs/b5a5b7d4-5e2c-4b8a-9f0e-2f6f0e1c2a11/grant\"",
    "    },",
    "    \"fail\": {",
    "      \"href\": \"/vnflcm/v1/vnf_lcm_op_occs/b5a5b7d4-5e2c-4b8a-9f0e-2f6f0e1c2a11/fail\"",
    "    }",
    "  },",
    "  \"Operation Parameters\": \"{\\\"flavourId\\\": \\\"simple\\\", \\\"additionalParams\\\": {\\\"private_registry_installation_param\\\": {\\\"ssh_cp_name\\\": \\\"CP1\\\", \\\"ssh_username\\\": \\\"ubuntu\\\", \\\"ssh_password\\\": \\\"********\\\", \\\"port_no\\\": 5000}}, \\\"note\\\": \\\"caf\\\\u00e9\\\"}\"",
    "}",
    ""
].join('\n');

describe('op show: parity with the real client', () => {
  const home = tempHome();

  before(async () => {
    const store = await Store.open(home);
    await store.putOp({
      id: OP,
      operationState: 'FAILED_TEMP',
      stateEnteredTime: '2026-12-03T09:00:05Z',
      startTime: '2026-12-03T09:00:00Z',
      vnfInstanceId: INSTANCE,
      grantId: null,
      operation: 'INSTANTIATE',
      isAutomaticInvocation: false,
      operationParams: {
        flavourId: 'simple',
        additionalParams: { private_registry_installation_param: { ssh_cp_name: 'CP1', ssh_username: 'ubuntu', ssh_password: 'secret', port_no: 5000 } },
        note: 'caf\u00e9',
      },
      isCancelPending: false,
      cancelMode: null,
      error: {
        title: 'Instantiate failed',
        status: 500,
        detail: 'Step "install docker.io" failed on ubuntu@10.10.0.5:22 with exit code 100.\nLast lines of stderr:\n  E: Unable to locate package docker.io',
      },
    });
  });

  test('table: byte for byte what the real client prints for the same occurrence', async () => {
    const r = await runCli(['op', 'show', OP], { home });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, REAL_TABLE);
  });

  test('json: Operation Parameters is the raw Python JSON string, Links has grant in Tacker\'s order', async () => {
    const r = await runCli(['op', 'show', OP, '-f', 'json', '-c', 'Operation Parameters', '-c', 'Links'], { home });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, REAL_JSON);
    const parsed = JSON.parse(r.stdout) as { Links: Record<string, unknown>; 'Operation Parameters': string };
    assert.deepEqual(Object.keys(parsed.Links), ['self', 'vnfInstance', 'retry', 'rollback', 'grant', 'fail']);
    assert.equal(JSON.parse(parsed['Operation Parameters']).note, 'caf\u00e9');
  });

  test('value: the stored error names the failed step and node; the password stays masked', async () => {
    const value = async (column: string) => {
      const r = await runCli(['op', 'show', OP, '-f', 'value', '-c', column], { home });
      assert.equal(r.code, 0, r.stderr);
      return r.stdout;
    };
    assert.equal(await value('Operation State'), 'FAILED_TEMP\n');
    // DictModel str(): sorted k=v, the detail's newlines as they are
    assert.equal(
      await value('Error'),
      'detail=Step "install docker.io" failed on ubuntu@10.10.0.5:22 with exit code 100.\nLast lines of stderr:\n  E: Unable to locate package docker.io, status=500, title=Instantiate failed\n',
    );
    const params = await value('Operation Parameters');
    assert.equal(params, '{"flavourId": "simple", "additionalParams": {"private_registry_installation_param": {"ssh_cp_name": "CP1", "ssh_username": "ubuntu", "ssh_password": "********", "port_no": 5000}}, "note": "caf\\u00e9"}\n');
    const r = await runCli(['op', 'show', OP, '-f', 'json'], { home });
    assert.doesNotMatch(r.stdout, /secret/);
  });
});
