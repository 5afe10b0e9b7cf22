import { useState } from "react";
import { signIn } from "../api/session.ts";
import { Field, FormError, formValues } from "../components/form.tsx";

export function LoginForm({ defaultUsername = "", onSignedIn }: { defaultUsername?: string; onSignedIn?: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      onSubmit={async (event) => {
        event.preventDefault();
        const { username = "", password = "" } = formValues(event.currentTarget);
        setBusy(true);
        setError(null);
        try {
          await signIn(username, password);
          onSignedIn?.();
        } catch (caught) {
          setError(caught);
        } finally {
          setBusy(false);
        }
      }}
    >
      <Field
        label="Username or email"
        name="username"
        autoComplete="username"
        required
        defaultValue={defaultUsername}
      />
      <Field label="Password" name="password" type="password" autoComplete="current-password" required />
      <FormError error={error} />
      <button type="submit" className="primary" disabled={busy}>
        {busy ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
