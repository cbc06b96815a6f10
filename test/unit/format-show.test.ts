/**
 * The show-type (cliff ShowOne) output of the formatter, every format, checked against what the real client
 * (cliff 4.0 + prettytable 3.6 + PyYAML 6.0 + tackerclient's DictModel) prints for the same data.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { render, type ShowResult } from '../../src/lib/format/index.js';
import { CliError } from '../../src/lib/errors.js';
import { bold, ESC, lines, opts, unbold } from '../helpers/format.js';

const ID = 'f93ed99c-e2f2-4f18-8377-37a171ea344f';
const href = (suffix = ''): { href: string } => ({ href: `/vnflcm/v1/vnf_instances/${ID}${suffix}` });

/** The guide's `openstack vnflcm create` response for the private registry VNF, as show fields (unsorted). */
function createFields(withConfigurableProperties: boolean): ShowResult {
  const fields: ShowResult['fields'] = [
    { label: 'VNFD Version', value: '1.0' },
    { label: 'ID', value: ID },
    { label: 'VNF Instance Name', value: `vnf-${ID}` },
    { label: 'VNF Instance Description', value: null },
    { label: 'VNFD ID', value: 'c1bb0ce7-ebca-4fa7-95ed-4840d70a118f' },
    { label: 'VNF Provider', value: 'Company' },
    { label: 'VNF Product Name', value: 'Sample Private registry VNF' },
    { label: 'VNF Software Version', value: '1.0' },
    { label: 'Instantiation State', value: 'NOT_INSTANTIATED' },
    { label: 'Links', json: true, value: { self: href(), instantiate: href('/instantiate') } },
    { label: 'VNF Package ID', value: 'f352d10f-74c2-4d37-b41c-bfcdc73e9d09' },
  ];
  if (withConfigurableProperties) fields.push({ label: 'VNF Configurable Properties', value: undefined });
  return { type: 'show', fields };
}

/** A `show` of an instantiated instance with unformatted dicts (DictModel strings) and a list column. */
const instance: ShowResult = {
  type: 'show',
  fields: [
    { label: 'ID', value: ID },
    { label: 'Instantiation State', value: 'INSTANTIATED' },
    {
      label: 'Links',
      json: true,
      value: {
        self: href(),
        terminate: href('/terminate'),
        scale: href('/scale'),
        heal: href('/heal'),
        changeExtConn: href('/change_ext_conn'),
      },
    },
    {
      label: 'VIM Connection Info',
      json: true,
      value: [
        {
          id: '8a3adb69-0884-43c7-833e-aab0b6ab4470',
          vimId: 'c3369b54-e376-4423-bb61-afd255900fea',
          vimType: 'openstack',
          interfaceInfo: {},
          accessInfo: {},
        },
      ],
    },
    { label: 'VNF Configurable Properties', value: { isAutoscaleEnabled: false, isAutohealEnabled: true } },
    { label: 'VNF Instance Description', value: null },
    { label: 'metadata', value: { tenant: 'demo', quota: 3, labels: ['a', 'b'], note: 'it\'s "quoted"' } },
    { label: 'extensions', value: {} },
  ],
};

/** Scalars that YAML must quote, absent/null/bool/number, non-ASCII, a long line. */
const scalars: ShowResult = {
  type: 'show',
  fields: [
    { label: 'VNF Software Version', value: '1.0' },
    { label: 'VNFD Version', value: '2' },
    { label: 'Flag', value: 'true' },
    { label: 'Empty', value: '' },
    { label: 'Absent', value: undefined },
    { label: 'Null', value: null },
    { label: 'Bool', value: true },
    { label: 'Count', value: 3 },
    { label: 'Ratio', value: 0.5 },
    { label: 'VNF Instance Description', value: 'Registry for café site – staging' },
    { label: 'Quote', value: "it's" },
    { label: 'Colon', value: 'a: b' },
    {
      label: 'Long',
      value:
        'This private registry stores the container images that the Kubernetes cluster pulls while it is deployed and healed',
    },
  ],
};

/** An op occurrence's awkward values: false, null, absent, formatted null/absent, a JSON *string* parameter. */
const nullsAndBools: ShowResult = {
  type: 'show',
  fields: [
    { label: 'Is Automatic Invocation', value: false },
    { label: 'Grant ID', value: null },
    { label: 'Cancel Mode', value: undefined },
    { label: 'Error', json: true, value: null },
    { label: 'Changed Info', json: true, value: undefined },
    { label: 'Operation Parameters', json: true, value: '{"flavourId": "simple", "note": "café"}' },
  ],
};

test('the guide\'s create table, byte for byte, from the fields it shows', () => {
  assert.equal(
    render(createFields(false), opts()),
    lines(
      '+--------------------------+---------------------------------------------------------------------------------------------+',
      '| Field                    | Value                                                                                       |',
      '+--------------------------+---------------------------------------------------------------------------------------------+',
      '| ID                       | f93ed99c-e2f2-4f18-8377-37a171ea344f                                                        |',
      '| Instantiation State      | NOT_INSTANTIATED                                                                            |',
      '| Links                    | {                                                                                           |',
      '|                          |     "self": {                                                                               |',
      '|                          |         "href": "/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f"             |',
      '|                          |     },                                                                                      |',
      '|                          |     "instantiate": {                                                                        |',
      '|                          |         "href": "/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f/instantiate" |',
      '|                          |     }                                                                                       |',
      '|                          | }                                                                                           |',
      '| VNF Instance Description | None                                                                                        |',
      '| VNF Instance Name        | vnf-f93ed99c-e2f2-4f18-8377-37a171ea344f                                                    |',
      '| VNF Package ID           | f352d10f-74c2-4d37-b41c-bfcdc73e9d09                                                        |',
      '| VNF Product Name         | Sample Private registry VNF                                                                 |',
      '| VNF Provider             | Company                                                                                     |',
      '| VNF Software Version     | 1.0                                                                                         |',
      '| VNFD ID                  | c1bb0ce7-ebca-4fa7-95ed-4840d70a118f                                                        |',
      '| VNFD Version             | 1.0                                                                                         |',
      '+--------------------------+---------------------------------------------------------------------------------------------+',
    ),
  );
});

test('the real client\'s create table: the absent VNF Configurable Properties row is there, empty', () => {
  assert.equal(render(createFields(true), opts()), lines(
    '+-----------------------------+---------------------------------------------------------------------------------------------+',
    '| Field                       | Value                                                                                       |',
    '+-----------------------------+---------------------------------------------------------------------------------------------+',
    '| ID                          | f93ed99c-e2f2-4f18-8377-37a171ea344f                                                        |',
    '| Instantiation State         | NOT_INSTANTIATED                                                                            |',
    '| Links                       | {                                                                                           |',
    '|                             |     "self": {                                                                               |',
    '|                             |         "href": "/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f"             |',
    '|                             |     },                                                                                      |',
    '|                             |     "instantiate": {                                                                        |',
    '|                             |         "href": "/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f/instantiate" |',
    '|                             |     }                                                                                       |',
    '|                             | }                                                                                           |',
    '| VNF Configurable Properties |                                                                                             |',
    '| VNF Instance Description    | None                                                                                        |',
    '| VNF Instance Name           | vnf-f93ed99c-e2f2-4f18-8377-37a171ea344f                                                    |',
    '| VNF Package ID              | f352d10f-74c2-4d37-b41c-bfcdc73e9d09                                                        |',
    '| VNF Product Name            | Sample Private registry VNF                                                                 |',
    '| VNF Provider                | Company                                                                                     |',
    '| VNF Software Version        | 1.0                                                                                         |',
    '| VNFD ID                     | c1bb0ce7-ebca-4fa7-95ed-4840d70a118f                                                        |',
    '| VNFD Version                | 1.0                                                                                         |',
    '+-----------------------------+---------------------------------------------------------------------------------------------+',
  ));
});

test('-c filters but keeps the sorted order', () => {
  assert.equal(render(createFields(true), opts({ columns: ['Links', 'ID'] })), lines(
    '+-------+---------------------------------------------------------------------------------------------+',
    '| Field | Value                                                                                       |',
    '+-------+---------------------------------------------------------------------------------------------+',
    '| ID    | f93ed99c-e2f2-4f18-8377-37a171ea344f                                                        |',
    '| Links | {                                                                                           |',
    '|       |     "self": {                                                                               |',
    '|       |         "href": "/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f"             |',
    '|       |     },                                                                                      |',
    '|       |     "instantiate": {                                                                        |',
    '|       |         "href": "/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f/instantiate" |',
    '|       |     }                                                                                       |',
    '|       | }                                                                                           |',
    '+-------+---------------------------------------------------------------------------------------------+',
  ));
  assert.equal(render(createFields(true), opts({ format: 'value', columns: ['VNFD ID', 'Nope', 'ID'] })), lines(ID, 'c1bb0ce7-ebca-4fa7-95ed-4840d70a118f'));
});

test('an unknown -c is exit 1 with the Python repr of the request and of every label (a tuple)', () => {
  assert.throws(
    () => render(createFields(true), opts({ columns: ['Nope'] })),
    (err: unknown) => {
      assert.ok(err instanceof CliError);
      assert.equal(err.exitCode, 1);
      assert.equal('ERR:' + err.message, "ERR:No recognized column names in ['Nope']. Recognized columns are ('ID', 'Instantiation State', 'Links', 'VNF Configurable Properties', 'VNF Instance Description', 'VNF Instance Name', 'VNF Package ID', 'VNF Product Name', 'VNF Provider', 'VNF Software Version', 'VNFD ID', 'VNFD Version').");
      return true;
    },
  );
  assert.throws(
    () => render({ type: 'show', fields: [{ label: 'ID', value: 'x' }] }, opts({ format: 'value', columns: ['Nope', 'Nada'] })),
    { message: "No recognized column names in ['Nope', 'Nada']. Recognized columns are ('ID',)." },
  );
});

test('-f json: indent 2, labels sorted, absent "" and null; --noindent uses ", " and ": "', () => {
  assert.equal(render(createFields(true), opts({ format: 'json' })), lines(
    '{',
    '  "ID": "f93ed99c-e2f2-4f18-8377-37a171ea344f",',
    '  "Instantiation State": "NOT_INSTANTIATED",',
    '  "Links": {',
    '    "self": {',
    '      "href": "/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f"',
    '    },',
    '    "instantiate": {',
    '      "href": "/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f/instantiate"',
    '    }',
    '  },',
    '  "VNF Configurable Properties": "",',
    '  "VNF Instance Description": null,',
    '  "VNF Instance Name": "vnf-f93ed99c-e2f2-4f18-8377-37a171ea344f",',
    '  "VNF Package ID": "f352d10f-74c2-4d37-b41c-bfcdc73e9d09",',
    '  "VNF Product Name": "Sample Private registry VNF",',
    '  "VNF Provider": "Company",',
    '  "VNF Software Version": "1.0",',
    '  "VNFD ID": "c1bb0ce7-ebca-4fa7-95ed-4840d70a118f",',
    '  "VNFD Version": "1.0"',
    '}',
  ));
  assert.equal(render(createFields(true), opts({ format: 'json', noindent: true })), lines(
    '{"ID": "f93ed99c-e2f2-4f18-8377-37a171ea344f", "Instantiation State": "NOT_INSTANTIATED", "Links": {"self": {"href": "/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f"}, "instantiate": {"href": "/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f/instantiate"}}, "VNF Configurable Properties": "", "VNF Instance Description": null, "VNF Instance Name": "vnf-f93ed99c-e2f2-4f18-8377-37a171ea344f", "VNF Package ID": "f352d10f-74c2-4d37-b41c-bfcdc73e9d09", "VNF Product Name": "Sample Private registry VNF", "VNF Provider": "Company", "VNF Software Version": "1.0", "VNFD ID": "c1bb0ce7-ebca-4fa7-95ed-4840d70a118f", "VNFD Version": "1.0"}',
  ));
});

test('-f json escapes non-ASCII (ensure_ascii) and keeps numbers and booleans', () => {
  assert.equal(render(scalars, opts({ format: 'json' })), lines(
    '{',
    '  "Absent": "",',
    '  "Bool": true,',
    '  "Colon": "a: b",',
    '  "Count": 3,',
    '  "Empty": "",',
    '  "Flag": "true",',
    '  "Long": "This private registry stores the container images that the Kubernetes cluster pulls while it is deployed and healed",',
    '  "Null": null,',
    "  \"Quote\": \"it's\",",
    '  "Ratio": 0.5,',
    "  \"VNF Instance Description\": \"Registry for caf\\u00e9 site \\u2013 staging\",",
    '  "VNF Software Version": "1.0",',
    '  "VNFD Version": "2"',
    '}',
  ));
  assert.equal(render(scalars, opts({ format: 'json', noindent: true })), lines(
    "{\"Absent\": \"\", \"Bool\": true, \"Colon\": \"a: b\", \"Count\": 3, \"Empty\": \"\", \"Flag\": \"true\", \"Long\": \"This private registry stores the container images that the Kubernetes cluster pulls while it is deployed and healed\", \"Null\": null, \"Quote\": \"it's\", \"Ratio\": 0.5, \"VNF Instance Description\": \"Registry for caf\\u00e9 site \\u2013 staging\", \"VNF Software Version\": \"1.0\", \"VNFD Version\": \"2\"}",
  ));
  assert.equal(
    render({ type: 'show', fields: [{ label: 'Emoji', value: 'ok 😀' }] }, opts({ format: 'json', noindent: true })),
    '{"Emoji": "ok \\ud83d\\ude00"}\n',
  );
});

test('-f yaml: one mapping per column in sorted order, quoted look-alikes, escaped non-ASCII, folding at 80', () => {
  assert.equal(render(scalars, opts({ format: 'yaml' })), lines(
    "Absent: ''",
    'Bool: true',
    "Colon: 'a: b'",
    'Count: 3',
    "Empty: ''",
    "Flag: 'true'",
    'Long: This private registry stores the container images that the Kubernetes cluster',
    '  pulls while it is deployed and healed',
    "'Null': null",
    "Quote: it's",
    'Ratio: 0.5',
    "VNF Instance Description: \"Registry for caf\\xE9 site \\u2013 staging\"",
    "VNF Software Version: '1.0'",
    "VNFD Version: '2'",
  ));
});

test('-f yaml works for dict and list columns (our deliberate difference): nested YAML, keys sorted', () => {
  assert.equal(render(createFields(true), opts({ format: 'yaml' })), lines(
    'ID: f93ed99c-e2f2-4f18-8377-37a171ea344f',
    'Instantiation State: NOT_INSTANTIATED',
    'Links:',
    '  instantiate:',
    '    href: /vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f/instantiate',
    '  self:',
    '    href: /vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f',
    "VNF Configurable Properties: ''",
    'VNF Instance Description: null',
    'VNF Instance Name: vnf-f93ed99c-e2f2-4f18-8377-37a171ea344f',
    'VNF Package ID: f352d10f-74c2-4d37-b41c-bfcdc73e9d09',
    'VNF Product Name: Sample Private registry VNF',
    'VNF Provider: Company',
    "VNF Software Version: '1.0'",
    'VNFD ID: c1bb0ce7-ebca-4fa7-95ed-4840d70a118f',
    "VNFD Version: '1.0'",
  ));
  assert.equal(render(instance, opts({ format: 'yaml' })), lines(
    'ID: f93ed99c-e2f2-4f18-8377-37a171ea344f',
    'Instantiation State: INSTANTIATED',
    'Links:',
    '  changeExtConn:',
    '    href: /vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f/change_ext_conn',
    '  heal:',
    '    href: /vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f/heal',
    '  scale:',
    '    href: /vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f/scale',
    '  self:',
    '    href: /vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f',
    '  terminate:',
    '    href: /vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f/terminate',
    'VIM Connection Info:',
    '- accessInfo: {}',
    '  id: 8a3adb69-0884-43c7-833e-aab0b6ab4470',
    '  interfaceInfo: {}',
    '  vimId: c3369b54-e376-4423-bb61-afd255900fea',
    '  vimType: openstack',
    'VNF Configurable Properties:',
    '  isAutohealEnabled: true',
    '  isAutoscaleEnabled: false',
    'VNF Instance Description: null',
    'extensions: {}',
    'metadata:',
    '  labels:',
    '  - a',
    '  - b',
    "  note: it's \"quoted\"",
    '  quota: 3',
    '  tenant: demo',
  ));
});

test('table: formatted columns as indent-4 JSON, unformatted dicts as DictModel strings, {} as empty', () => {
  assert.equal(render(instance, opts()), lines(
    '+-----------------------------+-------------------------------------------------------------------------------------------------+',
    '| Field                       | Value                                                                                           |',
    '+-----------------------------+-------------------------------------------------------------------------------------------------+',
    '| ID                          | f93ed99c-e2f2-4f18-8377-37a171ea344f                                                            |',
    '| Instantiation State         | INSTANTIATED                                                                                    |',
    '| Links                       | {                                                                                               |',
    '|                             |     "self": {                                                                                   |',
    '|                             |         "href": "/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f"                 |',
    '|                             |     },                                                                                          |',
    '|                             |     "terminate": {                                                                              |',
    '|                             |         "href": "/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f/terminate"       |',
    '|                             |     },                                                                                          |',
    '|                             |     "scale": {                                                                                  |',
    '|                             |         "href": "/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f/scale"           |',
    '|                             |     },                                                                                          |',
    '|                             |     "heal": {                                                                                   |',
    '|                             |         "href": "/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f/heal"            |',
    '|                             |     },                                                                                          |',
    '|                             |     "changeExtConn": {                                                                          |',
    '|                             |         "href": "/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f/change_ext_conn" |',
    '|                             |     }                                                                                           |',
    '|                             | }                                                                                               |',
    '| VIM Connection Info         | [                                                                                               |',
    '|                             |     {                                                                                           |',
    '|                             |         "id": "8a3adb69-0884-43c7-833e-aab0b6ab4470",                                           |',
    '|                             |         "vimId": "c3369b54-e376-4423-bb61-afd255900fea",                                        |',
    '|                             |         "vimType": "openstack",                                                                 |',
    '|                             |         "interfaceInfo": {},                                                                    |',
    '|                             |         "accessInfo": {}                                                                        |',
    '|                             |     }                                                                                           |',
    '|                             | ]                                                                                               |',
    '| VNF Configurable Properties | isAutohealEnabled=True, isAutoscaleEnabled=False                                                |',
    '| VNF Instance Description    | None                                                                                            |',
    '| extensions                  |                                                                                                 |',
    "| metadata                    | labels=['a', 'b'], note=it's \"quoted\", quota=3, tenant=demo                                     |",
    '+-----------------------------+-------------------------------------------------------------------------------------------------+',
  ));
});

test('-f value: DictModel strings (sorted k=v, nested without braces) and Python repr of lists', () => {
  assert.equal(render(instance, opts({ format: 'value' })), lines(
    'f93ed99c-e2f2-4f18-8377-37a171ea344f',
    'INSTANTIATED',
    'changeExtConn=href=/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f/change_ext_conn, heal=href=/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f/heal, scale=href=/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f/scale, self=href=/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f, terminate=href=/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f/terminate',
    "[{'id': '8a3adb69-0884-43c7-833e-aab0b6ab4470', 'vimId': 'c3369b54-e376-4423-bb61-afd255900fea', 'vimType': 'openstack', 'interfaceInfo': {}, 'accessInfo': {}}]",
    'isAutohealEnabled=True, isAutoscaleEnabled=False',
    'None',
    '',
    "labels=['a', 'b'], note=it's \"quoted\", quota=3, tenant=demo",
  ));
  assert.equal(render(createFields(true), opts({ format: 'value' })), lines(
    'f93ed99c-e2f2-4f18-8377-37a171ea344f',
    'NOT_INSTANTIATED',
    'instantiate=href=/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f/instantiate, self=href=/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f',
    '',
    'None',
    'vnf-f93ed99c-e2f2-4f18-8377-37a171ea344f',
    'f352d10f-74c2-4d37-b41c-bfcdc73e9d09',
    'Sample Private registry VNF',
    'Company',
    '1.0',
    'c1bb0ce7-ebca-4fa7-95ed-4840d70a118f',
    '1.0',
  ));
});

test('-f shell: mangled names, `"` escaped only in text and formatted columns, --prefix', () => {
  assert.equal(render(instance, opts({ format: 'shell' })), lines(
    'id="f93ed99c-e2f2-4f18-8377-37a171ea344f"',
    'instantiation_state="INSTANTIATED"',
    'links="changeExtConn=href=/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f/change_ext_conn, heal=href=/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f/heal, scale=href=/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f/scale, self=href=/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f, terminate=href=/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f/terminate"',
    "vim_connection_info=\"[{'id': '8a3adb69-0884-43c7-833e-aab0b6ab4470', 'vimId': 'c3369b54-e376-4423-bb61-afd255900fea', 'vimType': 'openstack', 'interfaceInfo': {}, 'accessInfo': {}}]\"",
    'vnf_configurable_properties="isAutohealEnabled=True, isAutoscaleEnabled=False"',
    'vnf_instance_description="None"',
    'extensions=""',
    "metadata=\"labels=['a', 'b'], note=it's \"quoted\", quota=3, tenant=demo\"",
  ));
  assert.equal(render(instance, opts({ format: 'shell', prefix: 'vnf_', columns: ['ID', 'metadata'] })), lines(
    'vnf_id="f93ed99c-e2f2-4f18-8377-37a171ea344f"',
    "vnf_metadata=\"labels=['a', 'b'], note=it's \"quoted\", quota=3, tenant=demo\"",
  ));
  assert.equal(render(createFields(true), opts({ format: 'shell' })), lines(
    'id="f93ed99c-e2f2-4f18-8377-37a171ea344f"',
    'instantiation_state="NOT_INSTANTIATED"',
    'links="instantiate=href=/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f/instantiate, self=href=/vnflcm/v1/vnf_instances/f93ed99c-e2f2-4f18-8377-37a171ea344f"',
    'vnf_configurable_properties=""',
    'vnf_instance_description="None"',
    'vnf_instance_name="vnf-f93ed99c-e2f2-4f18-8377-37a171ea344f"',
    'vnf_package_id="f352d10f-74c2-4d37-b41c-bfcdc73e9d09"',
    'vnf_product_name="Sample Private registry VNF"',
    'vnf_provider="Company"',
    'vnf_software_version="1.0"',
    'vnfd_id="c1bb0ce7-ebca-4fa7-95ed-4840d70a118f"',
    'vnfd_version="1.0"',
  ));
  assert.equal(
    render({ type: 'show', fields: [{ label: 'a-b:c d', value: 'x"$`\\' }] }, opts({ format: 'shell' })),
    'a_b_c_d="x\\"$`\\"\n',
  );
});

test('null, absent and booleans in every format', () => {
  assert.equal(render(nullsAndBools, opts()), lines(
    '+-------------------------+--------------------------------------------------------+',
    '| Field                   | Value                                                  |',
    '+-------------------------+--------------------------------------------------------+',
    '| Cancel Mode             |                                                        |',
    '| Changed Info            |                                                        |',
    '| Error                   | None                                                   |',
    '| Grant ID                | None                                                   |',
    '| Is Automatic Invocation | False                                                  |',
    "| Operation Parameters    | \"{\\\"flavourId\\\": \\\"simple\\\", \\\"note\\\": \\\"caf\\u00e9\\\"}\" |",
    '+-------------------------+--------------------------------------------------------+',
  ));
  assert.equal(render(nullsAndBools, opts({ format: 'json' })), lines(
    '{',
    '  "Cancel Mode": "",',
    '  "Changed Info": "",',
    '  "Error": null,',
    '  "Grant ID": null,',
    '  "Is Automatic Invocation": false,',
    "  \"Operation Parameters\": \"{\\\"flavourId\\\": \\\"simple\\\", \\\"note\\\": \\\"caf\\u00e9\\\"}\"",
    '}',
  ));
  assert.equal(render(nullsAndBools, opts({ format: 'yaml' })), lines(
    "Cancel Mode: ''",
    "Changed Info: ''",
    'Error: null',
    'Grant ID: null',
    'Is Automatic Invocation: false',
    "Operation Parameters: \"{\\\"flavourId\\\": \\\"simple\\\", \\\"note\\\": \\\"caf\\xE9\\\"}\"",
  ));
  assert.equal(render(nullsAndBools, opts({ format: 'value' })), lines(
    '',
    '',
    'None',
    'None',
    'False',
    "{\"flavourId\": \"simple\", \"note\": \"café\"}",
  ));
  assert.equal(render(nullsAndBools, opts({ format: 'shell' })), lines(
    'cancel_mode=""',
    'changed_info=""',
    'error="None"',
    'grant_id="None"',
    'is_automatic_invocation="False"',
    "operation_parameters=\"{\\\"flavourId\\\": \\\"simple\\\", \\\"note\\\": \\\"café\\\"}\"",
  ));
});

test('scalars in table, value and shell', () => {
  assert.equal(render(scalars, opts()), lines(
    '+--------------------------+---------------------------------------------------------------------------------------------------------------------+',
    '| Field                    | Value                                                                                                               |',
    '+--------------------------+---------------------------------------------------------------------------------------------------------------------+',
    '| Absent                   |                                                                                                                     |',
    '| Bool                     | True                                                                                                                |',
    '| Colon                    | a: b                                                                                                                |',
    '| Count                    | 3                                                                                                                   |',
    '| Empty                    |                                                                                                                     |',
    '| Flag                     | true                                                                                                                |',
    '| Long                     | This private registry stores the container images that the Kubernetes cluster pulls while it is deployed and healed |',
    '| Null                     | None                                                                                                                |',
    "| Quote                    | it's                                                                                                                |",
    '| Ratio                    | 0.5                                                                                                                 |',
    "| VNF Instance Description | Registry for café site – staging                                                                                    |",
    '| VNF Software Version     | 1.0                                                                                                                 |',
    '| VNFD Version             | 2                                                                                                                   |',
    '+--------------------------+---------------------------------------------------------------------------------------------------------------------+',
  ));
  assert.equal(render(scalars, opts({ format: 'value' })), lines(
    '',
    'True',
    'a: b',
    '3',
    '',
    'true',
    'This private registry stores the container images that the Kubernetes cluster pulls while it is deployed and healed',
    'None',
    "it's",
    '0.5',
    "Registry for café site – staging",
    '1.0',
    '2',
  ));
  assert.equal(render(scalars, opts({ format: 'shell' })), lines(
    'absent=""',
    'bool="True"',
    'colon="a: b"',
    'count="3"',
    'empty=""',
    'flag="true"',
    'long="This private registry stores the container images that the Kubernetes cluster pulls while it is deployed and healed"',
    'null="None"',
    "quote=\"it's\"",
    'ratio="0.5"',
    "vnf_instance_description=\"Registry for café site – staging\"",
    'vnf_software_version="1.0"',
    'vnfd_version="2"',
  ));
});

test('--max-width shrinks the Value column (never below 16) and wraps at spaces/hyphens or mid-word', () => {
  assert.equal(render(scalars, opts({ maxWidth: 60, columns: ['Long', 'VNF Instance Description', 'Count'] })), lines(
    '+--------------------------+-------------------------------+',
    '| Field                    | Value                         |',
    '+--------------------------+-------------------------------+',
    '| Count                    | 3                             |',
    '| Long                     | This private registry stores  |',
    '|                          | the container images that the |',
    '|                          | Kubernetes cluster pulls      |',
    '|                          | while it is deployed and      |',
    '|                          | healed                        |',
    "| VNF Instance Description | Registry for café site –      |",
    '|                          | staging                       |',
    '+--------------------------+-------------------------------+',
  ));
  assert.equal(render(createFields(true), opts({ maxWidth: 70 })), lines(
    '+-----------------------------+--------------------------------------+',
    '| Field                       | Value                                |',
    '+-----------------------------+--------------------------------------+',
    '| ID                          | f93ed99c-e2f2-4f18-8377-37a171ea344f |',
    '| Instantiation State         | NOT_INSTANTIATED                     |',
    '| Links                       | {                                    |',
    '|                             |     "self": {                        |',
    '|                             |         "href": "/vnflcm/v1/vnf_inst |',
    '|                             | ances/f93ed99c-e2f2-4f18-8377-       |',
    '|                             | 37a171ea344f"                        |',
    '|                             |     },                               |',
    '|                             |     "instantiate": {                 |',
    '|                             |         "href": "/vnflcm/v1/vnf_inst |',
    '|                             | ances/f93ed99c-e2f2-4f18-8377-       |',
    '|                             | 37a171ea344f/instantiate"            |',
    '|                             |     }                                |',
    '|                             | }                                    |',
    '| VNF Configurable Properties |                                      |',
    '| VNF Instance Description    | None                                 |',
    '| VNF Instance Name           | vnf-f93ed99c-e2f2-4f18-8377-         |',
    '|                             | 37a171ea344f                         |',
    '| VNF Package ID              | f352d10f-74c2-4d37-b41c-bfcdc73e9d09 |',
    '| VNF Product Name            | Sample Private registry VNF          |',
    '| VNF Provider                | Company                              |',
    '| VNF Software Version        | 1.0                                  |',
    '| VNFD ID                     | c1bb0ce7-ebca-4fa7-95ed-4840d70a118f |',
    '| VNFD Version                | 1.0                                  |',
    '+-----------------------------+--------------------------------------+',
  ));
  // a limit the table already fits changes nothing; --fit-width uses the terminal width
  assert.equal(render(createFields(true), opts({ maxWidth: 500 })), render(createFields(true), opts()));
  assert.equal(
    render(createFields(true), opts({ fitWidth: true, terminalWidth: 70 })),
    render(createFields(true), opts({ maxWidth: 70 })),
  );
  assert.equal(render(createFields(true), opts({ fitWidth: true })), render(createFields(true), opts()));
});

test('table widths use display width: wide CJK counts 2, combining marks 0', () => {
  const result: ShowResult = {
    type: 'show',
    fields: [
      { label: 'Name', value: '日本語の名前' },
      { label: 'Accent', value: 'cafe\u0301 é' },
      { label: 'ID', value: 'x' },
    ],
  };
  assert.equal(render(result, opts()), lines(
    '+--------+--------------+',
    '| Field  | Value        |',
    '+--------+--------------+',
    "| Accent | café é       |",
    '| ID     | x            |',
    "| Name   | 日本語の名前 |",
    '+--------+--------------+',
  ));
});

test('colour: only the header labels are bold, the layout is unchanged; no ANSI codes without colour', () => {
  const plain = render(createFields(true), opts());
  const coloured = render(createFields(true), opts({ color: true }));
  assert.ok(!plain.includes(ESC));
  const header = plain.split('\n')[1] ?? '';
  assert.equal(coloured.split('\n')[1], header.replace('Field', bold('Field')).replace('Value', bold('Value')));
  assert.equal(unbold(coloured), plain);
  for (const format of ['json', 'yaml', 'value', 'shell'] as const) {
    assert.ok(!render(createFields(true), opts({ format, color: true })).includes(ESC), format);
  }
});

test('carriage returns in text cells: \\r\\n becomes a line break, a lone \\r a space', () => {
  assert.equal(
    render({ type: 'show', fields: [{ label: 'Note', value: 'one\r\ntwo\rthree' }] }, opts()),
    lines(
      '+-------+-----------+',
      '| Field | Value     |',
      '+-------+-----------+',
      '| Note  | one       |',
      '|       | two three |',
      '+-------+-----------+',
    ),
  );
});
