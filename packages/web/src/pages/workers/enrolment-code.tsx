// A new pairing code: the one-liner per OS, a QR code of the installer's link, and the time left.
import type { EnrolmentCodeCreated } from "@garageswarm/protocol";
import QRCode from "qrcode";
import { useEffect, useState } from "react";
import { CopyableValue } from "../../components/secret.tsx";

/** Seconds until the code expires, counted from when it arrived (so the browser's clock skew does not matter). */
function useSecondsLeft(code: EnrolmentCodeCreated): number {
  const [deadline] = useState(() => Date.now() + (Date.parse(code.expires_at) - Date.parse(code.created_at)));
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return Math.max(0, Math.ceil((deadline - now) / 1000));
}

function useQrDataUrl(text: string): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    // SVG, as an image: no script, and the page's CSP already admits data: images.
    void QRCode.toString(text, { type: "svg", margin: 1, errorCorrectionLevel: "M" }).then((svg) => {
      if (current) setUrl(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`);
    });
    return () => {
      current = false;
    };
  }, [text]);
  return url;
}

export function EnrolmentCodeView({ code, onRenew }: { code: EnrolmentCodeCreated; onRenew: () => void }) {
  const secondsLeft = useSecondsLeft(code);
  const qr = useQrDataUrl(code.install.url);
  if (secondsLeft === 0) {
    return (
      <div className="enrolment-code">
        <p>The pairing code {code.code} has expired unused.</p>
        <button type="button" className="primary" onClick={onRenew}>
          New pairing code
        </button>
      </div>
    );
  }
  const minutes = Math.floor(secondsLeft / 60);
  const seconds = String(secondsLeft % 60).padStart(2, "0");
  return (
    <div className="enrolment-code">
      <p>
        Pairing code <strong className="mono">{code.code}</strong>,{" "}
        <span role="timer" aria-label="Time left">
          valid for {minutes}:{seconds}
        </span>{" "}
        and once. On the machine (it needs Node.js 20.19 or newer), run:
      </p>
      <CopyableValue label="Linux and macOS" value={code.install.sh} copyLabel="Copy Linux and macOS line" />
      <CopyableValue label="Windows PowerShell" value={code.install.ps1} copyLabel="Copy PowerShell line" />
      <p className="muted">
        Add <code>--service</code> (PowerShell: <code>-Service</code>) to run it as a service that starts at login;
        worker flags go after <code>--</code>, e.g. <code>-- --enable-shell</code>.
      </p>
      {qr ? (
        <figure className="qr">
          <img src={qr} alt="QR code of the install link" width={160} height={160} />
          <figcaption className="muted">
            The install link, for a phone: <span className="mono">{code.install.url}</span>
          </figcaption>
        </figure>
      ) : null}
    </div>
  );
}
