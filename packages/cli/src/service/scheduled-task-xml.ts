// The Scheduled Task of a worker (Windows): GarageSwarm\Worker[-<name>], started at logon, from Task Scheduler
// XML that schtasks reads as UTF-16. A task keeps no output, so cmd.exe appends it to a log file.
import { escapeXml } from "./escape-xml.ts";
import type { ServiceSpec } from "./service-spec.ts";

export function scheduledTaskName(suffix: string | undefined): string {
  return `GarageSwarm\\Worker${suffix === undefined ? "" : `-${suffix}`}`;
}

/**
 * `cmd.exe /d /s /c ""node" "entry" … >> "log" 2>&1"`: with /s cmd strips only the outer quotes, so every word
 * keeps its own. Inside quotes cmd still expands %VAR% and cannot escape `"`: such paths are refused.
 */
export function windowsCommandArguments(words: readonly string[], logFile: string): string {
  for (const word of [...words, logFile]) {
    if (/["%\n\r]/.test(word)) {
      throw new Error(`a Scheduled Task cannot run a path holding " or % or a line break: ${word}`);
    }
  }
  const quoted = (word: string) => `"${word}"`;
  return `/d /s /c "${words.map(quoted).join(" ")} >> ${quoted(logFile)} 2>&1"`;
}

export function scheduledTaskXml(spec: ServiceSpec, options: { userId: string; logFile: string }): string {
  const args = windowsCommandArguments([spec.program, ...spec.args], options.logFile);
  const user = escapeXml(options.userId);
  return `<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>GarageSwarm worker: runs the tasks your GarageSwarm server gives this machine</Description>
    <URI>\\${escapeXml(scheduledTaskName(spec.suffix))}</URI>
  </RegistrationInfo>
  <Triggers>
    <LogonTrigger>
      <Enabled>true</Enabled>
      <UserId>${user}</UserId>
    </LogonTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      <UserId>${user}</UserId>
      <LogonType>InteractiveToken</LogonType>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <AllowHardTerminate>true</AllowHardTerminate>
    <StartWhenAvailable>true</StartWhenAvailable>
    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>
    <IdleSettings>
      <StopOnIdleEnd>false</StopOnIdleEnd>
      <RestartOnIdle>false</RestartOnIdle>
    </IdleSettings>
    <AllowStartOnDemand>true</AllowStartOnDemand>
    <Enabled>true</Enabled>
    <Hidden>false</Hidden>
    <RunOnlyIfIdle>false</RunOnlyIfIdle>
    <WakeToRun>false</WakeToRun>
    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>
    <Priority>7</Priority>
    <RestartOnFailure>
      <Interval>PT1M</Interval>
      <Count>999</Count>
    </RestartOnFailure>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>cmd.exe</Command>
      <Arguments>${escapeXml(args)}</Arguments>
    </Exec>
  </Actions>
</Task>
`;
}

/** schtasks /XML wants UTF-16 with its byte order mark. */
export function utf16WithBom(text: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
}
