// Checks the password in the browser. What could go wrong?
(function () {
  var k = "fXRuZWlsY19laHRfdHN1cnRfcmV2ZW57Z2FsZg==";
  function check(pw) {
    return btoa(pw.split("").reverse().join("")) === k;
  }
  document.getElementById("login").addEventListener("submit", function (e) {
    e.preventDefault();
    var pw = document.getElementById("pw").value;
    document.getElementById("out").textContent = check(pw)
      ? "Welcome! The password is the flag."
      : "Wrong password.";
  });
})();
