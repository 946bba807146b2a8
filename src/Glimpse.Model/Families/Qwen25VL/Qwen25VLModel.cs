using Glimpse.Model.Families.Qwen2VL;
using Glimpse.Model.Architectures;
using Glimpse.Model.Configuration;
using Glimpse.Model.Modules;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glimpse.Model.Families.Qwen25VL;

/// <summary>
/// Qwen2.5-VL: Qwen2-VL's patch rows, 2-D vision rotary and multimodal decoder positions, with a vision tower that
/// reorders its patches into windows, attends within windows in most blocks, and uses RMSNorm + SwiGLU blocks.
/// Still images only: a video block in the prompt is refused.
/// </summary>
public sealed class Qwen25VLModel(Qwen25VLConfig config)
    : QwenVisionLanguageModel<Qwen25VisionTransformer>(nameof(Qwen25VLModel), "Qwen2.5-VL", config, new Qwen25VisionTransformer(config.Vision));

/// <summary>
/// How the Qwen2.5-VL vision tower orders and cuts one image's patches (transformers' <c>get_window_index</c>).
/// </summary>
/// <param name="WindowIndex">window-order slot r holds merge unit WindowIndex[r] (raster order of the merged grid)</param>
/// <param name="PatchOrder">the same permutation on patch rows: window-order row r is processor row PatchOrder[r]</param>
/// <param name="WindowBoundaries">window segments in window order, empty windows dropped (<c>cu_window_seqlens</c>)</param>
/// <param name="FrameBoundaries">one segment per temporal slice (<c>cu_seqlens</c>)</param>
public sealed record VisionWindowLayout(long[] WindowIndex, long[] PatchOrder, long[] WindowBoundaries, long[] FrameBoundaries)
{
    /// <param name="gridThw">(t, h, w) in patches</param>
    /// <param name="mergeSize">patches per merge unit along each side</param>
    /// <param name="windowUnits">window side in merge units</param>
    public static VisionWindowLayout For(long[] gridThw, int mergeSize, int windowUnits)
    {
        long frames = gridThw[0], unitsH = gridThw[1] / mergeSize, unitsW = gridThw[2] / mergeSize;
        long ws = windowUnits, unitRows = (long)mergeSize * mergeSize;
        // The merged grid is padded on the bottom and right by ws − side % ws units — a whole empty window when the
        // side is already a multiple of ws (Hugging Face's arithmetic); the padding never enters the index.
        long windowsH = (unitsH + ws - unitsH % ws) / ws, windowsW = (unitsW + ws - unitsW % ws) / ws;
        var windowIndex = new List<long>();
        var windowBoundaries = new List<long> { 0 };
        for (long t = 0; t < frames; t++)
        for (long wh = 0; wh < windowsH; wh++)
        for (long ww = 0; ww < windowsW; ww++)
        {
            int before = windowIndex.Count;
            for (long r = wh * ws; r < Math.Min((wh + 1) * ws, unitsH); r++)
            for (long c = ww * ws; c < Math.Min((ww + 1) * ws, unitsW); c++)
                windowIndex.Add(t * unitsH * unitsW + r * unitsW + c);
            // An all-padding window would repeat the last boundary; unique_consecutive drops it.
            if (windowIndex.Count > before) windowBoundaries.Add(windowIndex.Count * unitRows);
        }
        var patchOrder = windowIndex.SelectMany(unit => Enumerable.Range(0, (int)unitRows).Select(k => unit * unitRows + k)).ToArray();
        return new VisionWindowLayout(windowIndex.ToArray(), patchOrder, windowBoundaries.ToArray(), VisionSegments.PerFrame(gridThw).Boundaries);
    }
}

/// <summary>The Qwen2.5-VL vision tower (<c>visual</c>).</summary>
public sealed class Qwen25VisionTransformer : CheckpointModule, IQwenVisionTower
{
    private readonly Qwen25VisionConfig _c;
    private readonly VisionPatchEmbed _patchEmbed;
    private readonly ModuleList<VisionBlock> _blocks;
    private readonly PatchMerger _merger;
    private readonly VisionRotary _rotary;
    private readonly HashSet<int> _fullAttentionBlocks;

    public Qwen25VisionTransformer(Qwen25VisionConfig c) : base(nameof(Qwen25VisionTransformer))
    {
        _c = c;
        _patchEmbed = new VisionPatchEmbed(c.InChannels, c.HiddenSize, c.TemporalPatchSize, c.PatchSize);
        _blocks = nn.ModuleList(Enumerable.Range(0, c.Depth).Select(_ => new VisionBlock(VisionBlockNames.Qwen,
            new VisionNorm(NormKind.RmsNorm, c.HiddenSize, c.RmsNormEps),
            new SegmentedVisionAttention(c.HiddenSize, c.NumHeads),
            new VisionNorm(NormKind.RmsNorm, c.HiddenSize, c.RmsNormEps),
            new GatedMlp(c.HiddenSize, c.IntermediateSize, bias: true, c.HiddenAct))).ToArray());
        _merger = new PatchMerger(NormKind.RmsNorm, c.HiddenSize, c.SpatialMergeSize, c.OutHiddenSize, c.RmsNormEps);
        _rotary = new VisionRotary(c.HiddenSize / c.NumHeads);
        _fullAttentionBlocks = [.. c.FullAttentionBlocks];
        register_module("patch_embed", _patchEmbed);
        register_module("blocks", _blocks);
        register_module("merger", _merger);
    }

    /// <summary>The window order and segments for an image of this patch grid.</summary>
    public VisionWindowLayout WindowLayout(long[] gridThw) => VisionWindowLayout.For(gridThw, _c.SpatialMergeSize, _c.WindowUnits);

    /// <summary>2-D rotary angles per patch row, processor order: [Np, head_dim/2] (h-angles, then w-angles), float32.</summary>
    public Tensor RotaryAngles(long[] gridThw, Device device) => _rotary.Angles(gridThw, _c.SpatialMergeSize, device);

    /// <param name="pixels">[Np, C·T·P·P] patch rows in the processor's merge-unit order</param>
    /// <param name="gridThw">(t, h, w) in patches</param>
    /// <param name="trace">when given, receives the patch embedding (processor order), each block's output and the
    /// merger's output (both in window order)</param>
    /// <returns>[Np / merge², out_hidden] in raster order of the merged grid (one row per image token)</returns>
    public Tensor Forward(Tensor pixels, long[] gridThw, List<Tensor>? trace = null)
    {
        using var scope = NewDisposeScope();
        QwenPatchRows.Validate(pixels, gridThw, _c.InChannels, _c.TemporalPatchSize, _c.PatchSize, _c.SpatialMergeSize, "Qwen2.5-VL");

        var layout = WindowLayout(gridThw);
        var patchOrder = torch.tensor(layout.PatchOrder, device: pixels.device);              // [Np]
        var x = _patchEmbed.Forward(pixels);                                                  // [Np, C] processor order
        trace?.Add(x.alias().DetachFromDisposeScope());
        // Hidden rows and rotary rows move together into window order.
        x = x.index_select(0, patchOrder);                                                    // [Np, C] window order
        var (cos, sin) = VisionRotary.Tables(RotaryAngles(gridThw, pixels.device).index_select(0, patchOrder));   // [Np, hd]
        var windows = new VisionSegments(layout.WindowBoundaries);
        var frames = new VisionSegments(layout.FrameBoundaries);
        for (int i = 0; i < _blocks.Count; i++)
        {
            x = _blocks[i].Forward(x, new VisionAttentionInputs(cos, sin, _fullAttentionBlocks.Contains(i) ? frames : windows));
            trace?.Add(x.alias().DetachFromDisposeScope());
        }
        var merged = _merger.Forward(x);                                                      // [K, out] window order
        trace?.Add(merged.alias().DetachFromDisposeScope());
        // Back to raster order: raster unit u sits at the window-order slot where WindowIndex equals u.
        var restore = torch.tensor(layout.WindowIndex, device: pixels.device).argsort();      // [K]
        return merged.index_select(0, restore).MoveToOuterDisposeScope();
    }
}
