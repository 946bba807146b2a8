using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Model.Modules;

/// <summary>Keys and values of every decoder layer for the tokens seen so far ([B, KV, N, d] each). Owns its tensors.</summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor?[] _keys, _values;

    public KvCache(int layers)
    {
        _keys = new Tensor?[layers];
        _values = new Tensor?[layers];
    }

    /// <summary>Tokens cached so far (read from layer 0, which is appended first).</summary>
    public long Length => _keys[0]?.shape[2] ?? 0;

    /// <summary>Appends this step's keys and values; returns the full cached tensors (owned by the cache).</summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor keys, Tensor values)
    {
        _keys[layer] = Concat(_keys[layer], keys);
        _values[layer] = Concat(_values[layer], values);
        return (_keys[layer]!, _values[layer]!);
    }

    private static Tensor Concat(Tensor? cached, Tensor step)
    {
        var joined = cached is null ? step.detach() : torch.cat([cached, step.detach()], 2);
        cached?.Dispose();
        return joined.DetachFromDisposeScope();
    }

    public void Dispose()
    {
        foreach (var t in _keys.Concat(_values)) t?.Dispose();
        Array.Clear(_keys);
        Array.Clear(_values);
    }
}
