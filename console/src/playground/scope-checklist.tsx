import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';

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
  const hintId = useId();
  return (
    <fieldset class="fieldset" aria-describedby={hintId}>
      <legend class="field-label">Scopes</legend>
      <p class="field-hint fieldset-hint" id={hintId}>
        {hint}
      </p>
      {scopes.length === 0 ? (
        <p class="muted small">This API defines no scopes.</p>
      ) : (
        <div class="check-list pg-check-list">
          {scopes.map((scope) => {
            const checked = selected.includes(scope.name);
            return (
              <label key={scope.name} class={`check-row${checked ? ' checked' : ''}`}>
                <input
                  type="checkbox"
                  checked={checked}
                  onChange={(event) => {
                    const on = event.currentTarget.checked;
                    onChange(on ? [...selected, scope.name] : selected.filter((name) => name !== scope.name));
                  }}
                />
                <span class="check-text">
                  <span class="check-title pg-wrap">{scope.name}</span>
                  {scope.description && <span class="check-detail">{scope.description}</span>}
                </span>
              </label>
            );
          })}
        </div>
      )}
    </fieldset>
  );
}
