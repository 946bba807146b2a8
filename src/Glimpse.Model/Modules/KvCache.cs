using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Model.Modules;

/// <summary>
/// Keys and values of every decoder layer for the tokens seen so far. Each layer's buffer is allocated once at its
/// full capacity ([B, KV, capacity, d]) and filled in place, so a decoding step copies one token, not the whole cache.
/// Owns its tensors.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor?[] _keys, _values;
    private readonly long[] _lengths;
    private readonly long _capacity;

    public KvCache(int layers, long capacity)
    {
        _keys = new Tensor?[layers];
        _values = new Tensor?[layers];
        _lengths = new long[layers];
        _capacity = capacity;
    }

    /// <summary>Tokens cached so far (layer 0 is appended first).</summary>
    public long Length => _lengths[0];

    /// <summary>Appends this step's keys and values ([B, KV, n, d]); returns views of everything cached for the layer.</summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor keys, Tensor values)
    {
        long start = _lengths[layer], end = start + keys.shape[2];
        if (end > _capacity)
            throw new InvalidOperationException($"KV cache capacity {_capacity} exceeded ({end} tokens).");
        _keys[layer] ??= Allocate(keys);
        _values[layer] ??= Allocate(values);
        using (torch.no_grad())
        {
            _keys[layer]!.narrow(2, start, end - start).copy_(keys);
            _values[layer]!.narrow(2, start, end - start).copy_(values);
        }
        _lengths[layer] = end;
        return (_keys[layer]!.narrow(2, 0, end), _values[layer]!.narrow(2, 0, end));
    }

    private Tensor Allocate(Tensor like) =>
        torch.empty([like.shape[0], like.shape[1], _capacity, like.shape[3]], like.dtype, like.device).DetachFromDisposeScope();

    public void Dispose()
    {
        foreach (var t in _keys.Concat(_values)) t?.Dispose();
        Array.Clear(_keys);
        Array.Clear(_values);
    }
}
