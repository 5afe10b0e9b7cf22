// On a phone the workflow editor is for looking, not editing: a drag-and-drop canvas needs a mouse and room.
// While this notice shows, styles.css hides the editing controls and the editor stops nodes moving or connecting.
export function PhoneViewOnly() {
  return (
    <p className="callout phone-view-only" role="note">
      <strong>View only on a phone.</strong> Open this workflow on a wider screen to edit it. You can still run it and
      follow its runs here.
    </p>
  );
}
