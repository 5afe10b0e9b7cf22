// Web Push for this user: notifications on this device (on/off), and every device that gets them, removable.
import type { PushDevice } from "@garageswarm/protocol";
import { usePushDevices, useRemovePushDevice, useThisDeviceEndpoint, useThisDevicePush } from "../../api/push.ts";
import { FormError } from "../../components/form.tsx";
import { formatAgo, formatDate } from "../../components/format.ts";
import { Section } from "../../components/page.tsx";
import { ErrorState, Loading } from "../../components/states.tsx";
import { type PushSupport, pushSupport } from "../../pwa/device-push.ts";

const unsupportedText: Record<Extract<PushSupport, { supported: false }>["reason"], string> = {
  no_service_worker: "This browser cannot run the dashboard's service worker, so it cannot get notifications.",
  no_push: "This browser does not offer Web Push.",
  ios_not_installed:
    "On iPhone and iPad, notifications need the dashboard on the home screen: Share → Add to Home Screen, then open it from there.",
  denied: "Notifications are blocked for this site: allow them in the browser's site settings, then reload.",
};

export function NotificationsSection() {
  const devices = usePushDevices();
  const thisEndpoint = useThisDeviceEndpoint();
  const toggle = useThisDevicePush();
  const remove = useRemovePushDevice();
  const support = pushSupport();
  const list = devices.data ?? [];
  const on = thisEndpoint.data != null && list.some((device) => device.endpoint === thisEndpoint.data);

  return (
    <Section title="Notifications">
      <p className="muted">
        A notification when a workflow waits for your approval, a run or a task fails, or a tool hits its usage limit.
        Tapping it opens the page.
      </p>
      <div className="checkbox">
        <input
          id="push-this-device"
          type="checkbox"
          role="switch"
          checked={on}
          aria-checked={on}
          disabled={!support.supported || toggle.isPending || devices.isPending}
          onChange={(event) => toggle.mutate({ on: event.currentTarget.checked, devices: list })}
        />
        <label htmlFor="push-this-device">Notifications on this device</label>
      </div>
      {support.supported ? null : <p className="muted">{unsupportedText[support.reason]}</p>}
      <FormError error={toggle.error} />

      <h3>Your devices</h3>
      {devices.isPending ? (
        <Loading what="devices" />
      ) : devices.isError ? (
        <ErrorState error={devices.error} what="devices" onRetry={() => devices.refetch()} />
      ) : list.length === 0 ? (
        <p className="muted">No device gets your notifications.</p>
      ) : (
        <ul className="device-list" aria-label="Devices that get notifications">
          {list.map((device) => (
            <DeviceItem
              key={device.subscription_id}
              device={device}
              isThisDevice={device.endpoint === thisEndpoint.data}
              removing={remove.isPending}
              onRemove={() => remove.mutate(device.subscription_id)}
            />
          ))}
        </ul>
      )}
      <FormError error={remove.error} />
    </Section>
  );
}

function DeviceItem(props: { device: PushDevice; isThisDevice: boolean; removing: boolean; onRemove: () => void }) {
  const { device } = props;
  const name = device.label ?? "A browser";
  return (
    <li>
      <div>
        <strong>{name}</strong>
        {props.isThisDevice ? <span className="badge badge-active">this device</span> : null}
        <div className="muted small">
          Added {formatDate(device.created_at)} · last notified{" "}
          {device.last_success_at ? formatAgo(device.last_success_at) : "never"}
        </div>
        {device.user_agent ? <div className="muted small clip-line">{device.user_agent}</div> : null}
      </div>
      <button
        type="button"
        className="danger"
        aria-label={`Remove ${name}`}
        disabled={props.removing}
        onClick={props.onRemove}
      >
        Remove
      </button>
    </li>
  );
}
