"""Pictures of networks, certificates, constructions and training runs (the visualizer).

One idea per module: :mod:`.style` (colours, bound labels, deterministic files), :mod:`.screen`
(screen-resolution curves from the compiled piecewise-linear form), :mod:`.network` (the four-panel
figure of a 1-D network), :mod:`.certificate` (where a certificate is tight), :mod:`.log` (a training
run), :mod:`.nd` (2-D/3-D networks), :mod:`.html` (self-contained interactive pages), :mod:`.animate`
(the construction step by step), :mod:`.files` (which kind of file the user gave).
"""
