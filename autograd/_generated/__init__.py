"""Code written out from the rule table (autograd/rules.py) by `generate.py`: committed, never edited.

* formulas.py: each rule's forward and derivatives as Python functions,
* reverse.py: the reverse pass on floats, each rule's derivatives inlined,
* and, in autograd/value.py, Value's hot operators between the GENERATED markers.

Regenerate with ``python -m autograd._generated.generate``; ``--check`` (run by the tests) fails
when any of them is out of step with rules.py.
"""
