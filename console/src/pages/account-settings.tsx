import { useEffect, useState } from 'preact/hooks';
import { Card, CheckOption, ErrorMessage, Field, FormActions, PageHeader, PageNotice, Spinner } from '../components/ui';
import { useConsole } from '../context';
import { useAction, useLoad, useTitle } from '../hooks';
import type { AccountSettings } from '../types';

type Form = { name: string; displayName: string; logoUrl: string; primaryColor: string; signup: boolean };

const formOf = ({ account }: AccountSettings): Form => ({
  name: account.name,
  displayName: account.settings.display_name ?? '',
  logoUrl: account.settings.logo_url ?? '',
  primaryColor: account.settings.primary_color ?? '',
  signup: account.settings.signup_enabled === true,
});

/** The account's name and what its sign-in pages look like; owners change them, the team reads them. */
export function AccountSettingsPage() {
  useTitle('Settings');
  const { api } = useConsole();
  const loaded = useLoad(() => api.getAccount(), []);
  const [form, setForm] = useState<Form>();
  const [notice, setNotice] = useState<string>();
  useEffect(() => {
    if (loaded.data) setForm(formOf(loaded.data));
  }, [loaded.data]);
  const canChange = loaded.data?.role === 'owner' || loaded.data?.role === 'administrator';
  const save = useAction(async () => {
    if (!form) return;
    // A field emptied goes back to the default (null in the merge patch, RFC 7396).
    const text = (value: string) => (value.trim() === '' ? null : value.trim());
    const updated = await api.updateAccount({
      name: form.name.trim(),
      settings: {
        display_name: text(form.displayName),
        logo_url: text(form.logoUrl),
        primary_color: text(form.primaryColor),
        signup_enabled: form.signup,
      },
    });
    loaded.setData(updated);
    setNotice('Saved. The sign-in pages show the change from the next page load.');
  });
  if (loaded.loading && !loaded.data) return <Spinner label="Loading settings…" />;
  if (!loaded.data || !form) return <ErrorMessage error={loaded.error} />;
  const dirty = JSON.stringify(form) !== JSON.stringify(formOf(loaded.data));
  const set = (change: Partial<Form>) => setForm({ ...form, ...change });
  return (
    <>
      <PageHeader
        title="Settings"
        description={canChange ? 'The account’s name and its sign-in pages.' : 'Only the account’s owners change these.'}
      />
      <PageNotice notice={notice} />
      <Card title="Account">
        <form
          class="card-body"
          onSubmit={(event) => {
            event.preventDefault();
            void save.run();
          }}
        >
          <fieldset disabled={!canChange} class="plain-fieldset">
            <div class="form-grid">
              <Field label="Name">
                {({ id }) => (
                  <input
                    id={id}
                    class="input"
                    required
                    maxLength={200}
                    value={form.name}
                    onInput={(e) => set({ name: e.currentTarget.value })}
                  />
                )}
              </Field>
              <Field label="Name on the sign-in pages" optional hint="Shown instead of “Gatehouse” on sign-in, consent and account pages.">
                {({ id, describedBy }) => (
                  <input
                    id={id}
                    class="input"
                    maxLength={100}
                    value={form.displayName}
                    aria-describedby={describedBy}
                    onInput={(e) => set({ displayName: e.currentTarget.value })}
                  />
                )}
              </Field>
              <Field label="Logo URL" optional hint="An https address of an image shown above the sign-in form.">
                {({ id, describedBy }) => (
                  <input
                    id={id}
                    class="input"
                    type="url"
                    maxLength={2000}
                    value={form.logoUrl}
                    aria-describedby={describedBy}
                    onInput={(e) => set({ logoUrl: e.currentTarget.value })}
                  />
                )}
              </Field>
              <Field label="Button colour" optional hint="#rrggbb, for the buttons and links of the pages.">
                {({ id, describedBy }) => (
                  <input
                    id={id}
                    class="input mono"
                    maxLength={7}
                    pattern="#[0-9a-fA-F]{6}"
                    placeholder="#2563eb"
                    value={form.primaryColor}
                    aria-describedby={describedBy}
                    onInput={(e) => set({ primaryColor: e.currentTarget.value })}
                  />
                )}
              </Field>
            </div>
            <CheckOption
              checked={form.signup}
              onChange={(signup) => set({ signup })}
              title="People may create their own user"
              detail="The sign-in page of this account’s apps offers “Create an account”."
            />
          </fieldset>
          <ErrorMessage error={save.error} />
          {canChange && (
            <FormActions dirty={dirty} busy={save.busy} onDiscard={() => setForm(formOf(loaded.data!))} label="Save settings" />
          )}
        </form>
      </Card>
    </>
  );
}
