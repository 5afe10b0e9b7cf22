// The LaunchAgent of a worker (macOS): ~/Library/LaunchAgents/com.garageswarm.worker[.<name>].plist, its output
// in ~/Library/Logs/GarageSwarm/. ProgramArguments is a list, so paths with spaces need no quoting.
import { escapeXml } from "./escape-xml.ts";
import type { ServiceSpec } from "./service-spec.ts";

export function launchAgentLabel(suffix: string | undefined): string {
  return `com.garageswarm.worker${suffix === undefined ? "" : `.${suffix}`}`;
}

export function launchAgentPlist(spec: ServiceSpec, logFile: string): string {
  const string = (value: string) => `<string>${escapeXml(value)}</string>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key>
  ${string(launchAgentLabel(spec.suffix))}
  <key>ProgramArguments</key>
  <array>
${[spec.program, ...spec.args].map((word) => `    ${string(word)}`).join("\n")}
  </array>
  <key>EnvironmentVariables</key>
  <dict>
    <key>PATH</key>
    ${string(spec.path)}
  </dict>
  <key>RunAtLoad</key>
  <true/>
  <!-- Restarted when it fails, not after a clean stop (the worker exits 0 once drained). -->
  <key>KeepAlive</key>
  <dict>
    <key>SuccessfulExit</key>
    <false/>
  </dict>
  <!-- launchd's spacing between restarts, in seconds. -->
  <key>ThrottleInterval</key>
  <integer>10</integer>
  <key>ExitTimeOut</key>
  <integer>${spec.stopTimeoutSeconds}</integer>
  <key>ProcessType</key>
  <string>Background</string>
  <key>StandardOutPath</key>
  ${string(logFile)}
  <key>StandardErrorPath</key>
  ${string(logFile)}
</dict>
</plist>
`;
}
