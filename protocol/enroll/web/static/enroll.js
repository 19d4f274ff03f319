// The enrolment page works without this script. With it, a form that
// waits for a device says so and cannot be sent twice.
for (const form of document.querySelectorAll("form[data-busy]")) {
  form.addEventListener("submit", () => {
    const button = form.querySelector("button");
    if (button) {
      button.disabled = true;
      button.textContent = form.dataset.busy;
    }
  });
}
