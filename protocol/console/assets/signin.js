// Polls the sign-in's (or a re-authentication's) status until the phone
// answers, shows the number to pick, asks for a passcode when the login
// does. The page's #wait card names the status URL and the refusal text.
const card = document.getElementById("wait");
const status = document.getElementById("status");
const number = document.getElementById("number");
const form = document.getElementById("passcode");
const again = document.getElementById("again");

async function poll() {
  let st;
  try {
    const r = await fetch(card.dataset.status, { credentials: "same-origin", cache: "no-store" });
    st = await r.json();
  } catch {
    setTimeout(poll, 2000);
    return;
  }
  if (st.next) {
    location.assign(st.next);
    return;
  }
  if (st.step === "refused") {
    status.textContent = st.message || card.dataset.refused;
    number.hidden = true;
    form.hidden = true;
    again.hidden = false;
    return;
  }
  if (st.step === "passcode") {
    status.textContent = "No answer from your phone.";
    document.getElementById("prompt").textContent = st.message;
    form.hidden = false;
    return;
  }
  if (st.number) {
    number.textContent = String(st.number);
    number.hidden = false;
    status.textContent = "Pick this number in your app:";
  }
  setTimeout(poll, 1000);
}
poll();
