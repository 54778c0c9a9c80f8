// The timetable's theme filter shows its choice at once; the button stays for browsers without JS.
document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
  select.addEventListener("change", () => select.form.submit());
});
