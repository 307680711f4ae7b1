import pytest

from scaleplan.errors import InputError
from scaleplan.model.shape import ModelShape, load_shape_rules, make_shape, shape_for_params


def llama3_8b():
    return ModelShape(n_layers=32, d_model=4096, n_heads=32, n_kv_heads=8, head_dim=128, ffn_hidden=14336,
                      vocab_size=128256, seq_len=8192)


def test_llama3_8b_parameter_count_is_exact():
    # Llama 3 8B: 8.03e9 parameters (8,030,261,248 in the released checkpoint).
    assert llama3_8b().total_params == 8_030_261_248


def test_llama3_405b_parameter_count():
    shape = ModelShape(n_layers=126, d_model=16384, n_heads=128, n_kv_heads=8, head_dim=128, ffn_hidden=53248,
                       vocab_size=128256, seq_len=8192)
    assert shape.total_params == pytest.approx(405.85e9, rel=2e-3)


def test_deepseek_m_matches_paper_table3():
    # DeepSeek LLM Table 3: 8 x 512 with l_seq 4096 -> M = 352,321,536 (MHA, 4d FFN as in eq. 2).
    shape = ModelShape(n_layers=8, d_model=512, n_heads=8, n_kv_heads=8, head_dim=64, ffn_hidden=2048,
                       vocab_size=102400, seq_len=4096, ffn_kind="gelu")
    assert shape.deepseek_m() == 352_321_536


def test_attention_term_matches_torchtitan_cross_check():
    # mfu-conventions.md §3.1: 12 x 32 x 4096 x 8192 for Llama 3.1 8B at 8K.
    assert llama3_8b().attention_flops_per_token() == 12 * 32 * 4096 * 8192


@pytest.mark.parametrize("target", [3e8, 1e9, 7e9, 7e10, 4e11])
def test_shape_for_params_is_close_and_hardware_friendly(target):
    shape = shape_for_params(target)
    assert shape.total_params == pytest.approx(target, rel=0.05)
    assert shape.n_heads % shape.n_kv_heads == 0
    assert shape.d_model % 128 == 0


def test_non_embedding_kind_differs_from_total():
    total = shape_for_params(1e9, "total")
    non_emb = shape_for_params(1e9, "non_embedding")
    assert non_emb.non_embedding_params == pytest.approx(1e9, rel=0.05)
    assert non_emb.total_params > total.total_params


def test_bad_shapes_rejected():
    with pytest.raises(InputError):
        ModelShape(n_layers=0, d_model=64, n_heads=1, n_kv_heads=1, head_dim=64, ffn_hidden=128, vocab_size=10, seq_len=8)
    with pytest.raises(InputError):
        shape_for_params(float("nan"))
    with pytest.raises(InputError):
        shape_for_params(1e9, "active")


def test_make_shape_uses_gqa_groups():
    shape = make_shape(32, 4096, load_shape_rules())
    assert (shape.n_heads, shape.n_kv_heads, shape.ffn_hidden) == (32, 8, 14336)
