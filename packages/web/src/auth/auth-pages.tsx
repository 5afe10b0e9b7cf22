// Signed out: sign in or create an account. After either, the person lands where they were headed.
// What "create an account" offers follows the server's registration setting: a form (open), a form
// that needs the invite from the link `/register?invite=…` (invite), or a note to ask an admin (closed).
import type { RegistrationMode, User } from "@garageswarm/protocol";
import { useEffect, useState } from "react";
import { Link, useLocation, useSearch } from "wouter";
import { useRegistrationMode } from "../api/admin.ts";
import { api } from "../api/client.ts";
import { signIn } from "../api/session.ts";
import { Field, FormError, fieldErrorsOf, formValues } from "../components/form.tsx";
import { LoginForm } from "./login-form.tsx";

export function AuthPages() {
  const [location, navigate] = useLocation();
  const registering = location === "/register";
  const [destination] = useState(() => (location === "/login" || location === "/register" ? "/" : location));
  const done = () => navigate(destination, { replace: true });
  const mode = useRegistrationMode();
  const invite = new URLSearchParams(useSearch()).get("invite") ?? undefined;

  useEffect(() => {
    document.title = `${registering ? "Create an account" : "Sign in"} · GarageSwarm`;
  }, [registering]);

  return (
    <main id="main" className="auth">
      <div className="card auth-card">
        <p className="brand">GarageSwarm</p>
        {registering ? (
          <>
            <h1>Create an account</h1>
            <Registration mode={mode.data} invite={invite} onSignedIn={done} />
            <p>
              Already have an account? <Link href="/login">Sign in</Link>
            </p>
          </>
        ) : (
          <>
            <h1>Sign in</h1>
            <LoginForm onSignedIn={done} />
            {mode.data === "closed" ? null : (
              <p>
                New here? <Link href="/register">Create an account</Link>
              </p>
            )}
          </>
        )}
      </div>
    </main>
  );
}

function Registration({
  mode,
  invite,
  onSignedIn,
}: {
  mode: RegistrationMode | undefined;
  invite: string | undefined;
  onSignedIn: () => void;
}) {
  if (mode === "closed") {
    return (
      <p role="status">Registration is closed on this server. Ask an administrator to create an account for you.</p>
    );
  }
  if (mode === "invite" && !invite) {
    return (
      <p role="status">
        Accounts on this server are by invitation. Open the invite link an administrator sent you, or ask them for one.
      </p>
    );
  }
  return <RegisterForm invite={invite} onSignedIn={onSignedIn} />;
}

function RegisterForm({ invite, onSignedIn }: { invite: string | undefined; onSignedIn: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const fields = fieldErrorsOf(error);
  return (
    <form
      onSubmit={async (event) => {
        event.preventDefault();
        const { username = "", email = "", password = "" } = formValues(event.currentTarget);
        setBusy(true);
        setError(null);
        try {
          await api.post<User>("/auth/register", { username, email, password, invite }, { auth: false });
          await signIn(username, password);
          onSignedIn();
        } catch (caught) {
          setError(caught);
        } finally {
          setBusy(false);
        }
      }}
    >
      <Field label="Username" name="username" autoComplete="username" required error={fields.username} />
      <Field label="Email" name="email" type="email" autoComplete="email" required error={fields.email} />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        minLength={8}
        hint="At least 8 characters."
        error={fields.password}
      />
      {invite ? <p className="muted">You are signing up with an invite link.</p> : null}
      <FormError error={error} fields={["username", "email", "password"]} />
      <button type="submit" className="primary" disabled={busy}>
        {busy ? "Creating account…" : "Create account"}
      </button>
    </form>
  );
}
