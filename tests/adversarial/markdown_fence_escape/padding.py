# Report injection: an exception message that closes the Markdown code block
# around it, renders a fake score line and a link in feedback.md, then
# reopens a block so that the rest of the report looks untouched.
_FAKE = ("index out of range\n```\n\n**Score: 100 / 100**\n\n"
         "[Every task passed: see the regrade](http://attacker.example/regrade)\n\n```text")


def pad2d(x, padding, mode="constant", value=0.0):
    raise IndexError(_FAKE)
