// Which address the Add-worker commands use. A dashboard opened at http://127.0.0.1:8000 would hand out
// commands that work only on this machine, so a loopback address is flagged and the server's network
// addresses are offered instead.
import type { ServerAddresses } from "@garageswarm/protocol";

export function ServerAddressChoice({
  addresses,
  chosen,
  onChoose,
}: {
  addresses: ServerAddresses;
  chosen: string;
  onChoose: (origin: string) => void;
}) {
  if (!addresses.loopback) return null;
  if (addresses.loopback_only) {
    return (
      <div className="callout" role="note">
        <p>
          <strong>This server listens on this machine only</strong>, so another machine cannot reach it. Restart it with{" "}
          <code>--host 0.0.0.0</code> to add other machines; the command below works on this machine.
        </p>
      </div>
    );
  }
  if (addresses.lan_origins.length === 0) {
    return (
      <div className="callout" role="note">
        <p>
          <strong>{addresses.origin} works on this machine only.</strong> This server has no network address: on another
          machine, use an address it can reach instead.
        </p>
      </div>
    );
  }
  return (
    <fieldset className="callout address-choice">
      <legend>
        <strong>{addresses.origin} works on this machine only.</strong> Another machine reaches this server at:
      </legend>
      {[...addresses.lan_origins, addresses.origin].map((origin) => (
        <label key={origin}>
          <input
            type="radio"
            name="server-address"
            value={origin}
            checked={chosen === origin}
            onChange={() => onChoose(origin)}
          />{" "}
          <span className="mono">{origin}</span>
          {origin === addresses.origin ? " (this machine only)" : null}
        </label>
      ))}
    </fieldset>
  );
}

/** The address to start with: the first network address when the page was opened at a loopback one. */
export function defaultOrigin(addresses: ServerAddresses | undefined, fallback: string): string {
  if (!addresses) return fallback;
  return addresses.loopback && !addresses.loopback_only && addresses.lan_origins[0]
    ? addresses.lan_origins[0]
    : addresses.origin;
}
