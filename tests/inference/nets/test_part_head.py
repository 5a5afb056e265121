"""inference.nets.part_head: the correction after the segmentation."""
import torch

from inference.nets.part_head import PartHead


def test_a_new_head_keeps_the_segmentations_answer():
    torch.manual_seed(0)
    probs = torch.softmax(torch.randn(2, 13, 32, 32) * 3, 1)
    with torch.no_grad():
        out = PartHead().correct(probs)
    assert out.shape == (2, 13, 32, 32)
    torch.testing.assert_close(out.sum(1), torch.ones(2, 32, 32))
    assert torch.equal(out.argmax(1), probs.argmax(1))
    assert float((out - probs).abs().max()) < 2e-3  # only the floor under the log moves it


def test_its_field_reaches_no_further_than_seven_pixels():
    torch.manual_seed(0)
    head = PartHead(width=16)
    torch.nn.init.normal_(head.body[-1].weight)  # a trained head: its answer depends on the neighbourhood
    a = torch.full((1, 13, 41, 41), 1 / 13)
    b = a.clone()
    b[0, :, 20, 20] = torch.softmax(torch.arange(13.0), 0)
    with torch.no_grad():
        diff = (head.correct(a) - head.correct(b)).abs().amax(1)[0] > 0
    rows, cols = diff.any(1).nonzero().flatten(), diff.any(0).nonzero().flatten()
    assert bool(diff[20, 20]) and int(rows.max()) - int(rows.min()) > 7
    assert 13 <= int(rows.min()) and int(rows.max()) <= 27 and 13 <= int(cols.min()) and int(cols.max()) <= 27
