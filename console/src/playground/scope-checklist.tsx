import type { ComponentChildren } from 'preact';
import { Checklist } from '../components/ui';

/** Checkboxes for the selected API's scopes, each with its description. */
export function ScopeChecklist({
  scopes,
  selected,
  onChange,
  hint,
}: {
  scopes: { name: string; description: string }[];
  selected: string[];
  onChange: (selected: string[]) => void;
  hint: ComponentChildren;
}) {
  return (
    <Checklist
      items={scopes.map((scope) => ({ name: scope.name, detail: scope.description }))}
      selected={selected}
      onChange={onChange}
      legend="Scopes"
      hint={hint}
      empty="This API defines no scopes."
      listClass="pg-check-list"
      titleClass="pg-wrap"
    />
  );
}
