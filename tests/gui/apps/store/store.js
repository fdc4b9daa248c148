// A tiny multi-page shop for the GUI tests: the cart lives in localStorage; pages render after a
// short delay (a "Loading..." frame first), as pages that fetch their content do.
const PRODUCTS = {
  "blue-kettle": {name: "Blue kettle", price: 24.5},
  "red-kettle": {name: "Red kettle", price: 22.0},
  "steel-pan": {name: "Steel pan", price: 31.0},
};
function cart() { return JSON.parse(localStorage.getItem("cart") || "[]"); }
function render(build) {
  const main = document.getElementById("main");
  main.textContent = "Loading...";
  setTimeout(() => { main.textContent = ""; build(main); }, 250);
}
