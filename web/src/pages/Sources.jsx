import Remotes from './Remotes.jsx';

const FIELDS = [
  { name: 'name', label: 'Name', placeholder: 'esxi01' },
  { name: 'endpoint', label: 'Endpoint', placeholder: 'https://vcenter.example.com' },
  { name: 'username', label: 'Username', placeholder: 'administrator@vsphere.local' },
  { name: 'password', label: 'Password', secret: true },
  { name: 'import_limit', label: 'Import limit', number: true, hint: 'empty: the default (50)' },
];
const COLUMNS = [
  ['Type', (r) => r.source_type],
  ['Endpoint', (r) => r.properties?.endpoint],
  ['Username', (r) => r.properties?.username],
];

export default function Sources() {
  return (
    <Remotes
      kind="sources"
      title="Sources"
      typeField="source_type"
      typeValue="vmware"
      fields={FIELDS}
      columns={COLUMNS}
    />
  );
}
