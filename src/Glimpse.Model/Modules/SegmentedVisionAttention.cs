using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glimpse.Model.Modules;

/// <summary>
/// Where the rows of a vision sequence are cut into independent attention segments, as cumulative boundaries
/// (Hugging Face's <c>cu_seqlens</c>): segment i is rows [b[i], b[i+1]). Repeated boundaries (empty segments) are allowed
/// and ignored, so Hugging Face's boundaries before or after <c>unique_consecutive</c> mean the same thing.
/// </summary>
public sealed record VisionSegments
{
    public long[] Boundaries { get; }

    public VisionSegments(long[] boundaries)
    {
        if (boundaries.Length < 2 || boundaries[0] != 0)
            throw new ArgumentException($"Segment boundaries must start at 0 and hold at least two values, got [{string.Join(", ", boundaries)}].");
        for (int i = 1; i < boundaries.Length; i++)
            if (boundaries[i] < boundaries[i - 1])
                throw new ArgumentException($"Segment boundaries must not decrease, got [{string.Join(", ", boundaries)}].");
        Boundaries = boundaries;
    }

    /// <summary>Total rows covered.</summary>
    public long Rows => Boundaries[^1];

    /// <summary>One segment per temporal slice of one image (t·h·w rows, h·w each): Hugging Face's <c>cu_seqlens</c>.</summary>
    public static VisionSegments PerFrame(long[] gridThw)
    {
        long frame = gridThw[1] * gridThw[2];
        return new(Enumerable.Range(0, (int)gridThw[0] + 1).Select(i => i * frame).ToArray());
    }

    /// <summary>The non-empty segments, grouped by length: (length, starts) in order of first appearance.</summary>
    internal IEnumerable<(long Length, long[] Starts)> GroupsByLength() =>
        Boundaries.Zip(Boundaries.Skip(1), (start, end) => (Start: start, Length: end - start))
            .Where(s => s.Length > 0)
            .GroupBy(s => s.Length)
            .Select(g => (g.Key, g.Select(s => s.Start).ToArray()));
}

/// <summary>
/// Multi-head self-attention of the Qwen vision towers (keys <c>qkv</c>, <c>proj</c>, both with bias): 2-D rotary on q
/// and k, then each row attends only within its segment (<see cref="VisionSegments"/>) — per frame in Qwen2-VL, per
/// window or per frame in Qwen2.5-VL. Equal-length segments are folded into the batch dimension and attended at once,
/// which gives what Hugging Face's block-diagonal mask gives (masked scores add exactly 0 after the softmax).
/// </summary>
public sealed class SegmentedVisionAttention : CheckpointModule, IVisionAttention
{
    private readonly Linear _qkv, _proj;
    private readonly int _heads;

    public SegmentedVisionAttention(int dim, int heads) : base(nameof(SegmentedVisionAttention))
    {
        if (dim % heads != 0) throw new ArgumentException($"Vision width {dim} is not a multiple of the head count {heads}.");
        _heads = heads;
        _qkv = nn.Linear(dim, 3 * dim);
        _proj = nn.Linear(dim, dim);
        register_module("qkv", _qkv);
        register_module("proj", _proj);
    }

    /// <summary>Reads the rotary tables and segments, which the Qwen towers always give.</summary>
    public Tensor Forward(Tensor x, VisionAttentionInputs inputs) => Forward(x,
        inputs.Cos ?? throw new ArgumentException("Segmented vision attention needs rotary tables."),
        inputs.Sin ?? throw new ArgumentException("Segmented vision attention needs rotary tables."),
        inputs.Segments ?? throw new ArgumentException("Segmented vision attention needs its segments."));

    /// <param name="x">[Np, C]</param>
    /// <param name="cos">[Np, hd] float32</param>
    /// <param name="sin">[Np, hd] float32</param>
    /// <param name="segments">attention segments covering all Np rows</param>
    /// <returns>[Np, C]</returns>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, VisionSegments segments)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0], c = x.shape[1], d = c / _heads;
        if (segments.Rows != n)
            throw new ArgumentException($"The attention segments cover {segments.Rows} rows, the sequence has {n}.");
        var qkv = _qkv.forward(x).view(n, 3, _heads, d);                                   // [Np, 3, H, d]
        // Rotary in float32, then back to the model dtype (as apply_rotary_pos_emb_vision does).
        var (cosRows, sinRows) = (cos.unsqueeze(1), sin.unsqueeze(1));                     // [Np, 1, hd]
        var q = RotaryEmbedding.Apply(qkv[.., 0].to(float32), cosRows, sinRows).to(x.dtype);   // [Np, H, d]
        var k = RotaryEmbedding.Apply(qkv[.., 1].to(float32), cosRows, sinRows).to(x.dtype);
        var v = qkv[.., 2];

        var groups = segments.GroupsByLength().ToList();
        Tensor merged;
        if (groups.Count == 1)
        {
            // Equal segments tile the rows in order: a plain view folds them into the batch.
            var (length, starts) = groups[0];
            merged = AttendFolded(q, k, v, starts.Length, length);
        }
        else
        {
            // Segments of each length are gathered, attended together, and the rows put back in place.
            var outputs = new List<Tensor>();
            var rowsOf = new List<Tensor>();
            foreach (var (length, starts) in groups)
            {
                var rows = (torch.tensor(starts, device: x.device).view(-1, 1)
                            + torch.arange(length, device: x.device).view(1, -1)).flatten();     // [G·L]
                outputs.Add(AttendFolded(q.index_select(0, rows), k.index_select(0, rows), v.index_select(0, rows), starts.Length, length));
                rowsOf.Add(rows);
            }
            var restore = torch.cat(rowsOf).argsort();                                         // gathered row → its place
            merged = torch.cat(outputs).index_select(0, restore);
        }
        return _proj.forward(merged).MoveToOuterDisposeScope();
    }

    /// <summary>q, k, v [G·L, H, d] holding G consecutive segments of L rows → attended rows [G·L, H·d].</summary>
    private Tensor AttendFolded(Tensor q, Tensor k, Tensor v, long segments, long length)
    {
        using var scope = NewDisposeScope();
        long d = q.shape[^1];
        Tensor Fold(Tensor t) => t.reshape(segments, length, _heads, d).transpose(1, 2);      // [G, H, L, d]
        var attended = AttentionKernel.Attend(Fold(q), Fold(k), Fold(v), causal: false, recorder: null);
        return attended.transpose(1, 2).reshape(segments * length, _heads * d).MoveToOuterDisposeScope();
    }
}
