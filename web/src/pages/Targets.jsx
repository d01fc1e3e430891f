import Remotes from './Remotes.jsx';

const FIELDS = [
  { name: 'name', label: 'Name', placeholder: 'incus01' },
  { name: 'endpoint', label: 'Endpoint', placeholder: 'https://incus.example.com:8443' },
  { name: 'tls_client_cert', label: 'Client certificate (PEM)', multiline: true },
  { name: 'tls_client_key', label: 'Client key (PEM)', multiline: true, secret: true },
  { name: 'import_limit', label: 'Import limit', number: true, hint: 'empty: the default (50)' },
  { name: 'create_limit', label: 'Create limit', number: true, hint: 'empty: the default (10)' },
];
const COLUMNS = [
  ['Type', (r) => r.target_type],
  ['Endpoint', (r) => r.properties?.endpoint],
  ['Auth', (r) => r.properties?.auth_type],
];

export default function Targets() {
  return (
    <Remotes
      kind="targets"
      title="Targets"
      typeField="target_type"
      typeValue="incus"
      fields={FIELDS}
      columns={COLUMNS}
    />
  );
}
