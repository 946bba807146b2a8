using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Model.Modules;

/// <summary>
/// Values added to chosen rows of a decoder's hidden states after its first layers: after layer k, row
/// <c>Rows[r]</c> of every batch element gets <c>Values[k][b, r]</c> (Qwen3-VL's DeepStack adds vision features of
/// early ViT blocks to the image-token rows after decoder layers 0, 1, …). The rows index the sequence of the one
/// decoder call they are given to. Does not own the tensors.
/// </summary>
public sealed class LayerAdditions
{
    /// <param name="rows">[R] int64 sequence indices</param>
    /// <param name="values">one [B or 1, R, D] tensor per layer, from layer 0 on (a batch of 1 is broadcast)</param>
    public LayerAdditions(Tensor rows, IReadOnlyList<Tensor> values)
    {
        if (rows.dim() != 1 || rows.dtype != ScalarType.Int64)
            throw new ArgumentException($"rows must be a 1-D int64 tensor, got {rows.dtype} [{string.Join(", ", rows.shape)}].", nameof(rows));
        foreach (var v in values)
            if (v.dim() != 3 || v.shape[1] != rows.shape[0])
                throw new ArgumentException($"each layer's values must be [B, {rows.shape[0]}, D], got [{string.Join(", ", v.shape)}].", nameof(values));
        (Rows, Values) = (rows, values);
    }

    public Tensor Rows { get; }
    public IReadOnlyList<Tensor> Values { get; }

    /// <summary>How many layers (0 … Layers−1) are followed by an addition.</summary>
    public int Layers => Values.Count;

    /// <param name="hidden">[B, N, D], the output of layer <paramref name="layer"/></param>
    /// <returns>hidden with the layer's values added at the rows (a new tensor; autograd flows through it)</returns>
    internal Tensor AddAfterLayer(int layer, Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var values = Values[layer];
        if (values.shape[0] != hidden.shape[0]) values = values.expand(hidden.shape[0], -1, -1);
        var rows = Rows.to(hidden.device);
        if (rows.numel() > 0 && rows.max().item<long>() >= hidden.shape[1])
            throw new ArgumentException($"Layer additions name row {rows.max().item<long>()} of a {hidden.shape[1]}-token sequence.");
        return hidden.index_add(1, rows, values.to(hidden.dtype, hidden.device), 1).MoveToOuterDisposeScope();
    }
}
