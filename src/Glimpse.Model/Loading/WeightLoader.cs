using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Glimpse.Model.Loading;

/// <summary>
/// Copies a checkpoint's tensors into a module. TorchSharp.PyBridge reads the safetensors files; it cannot rename,
/// and silently skips keys it does not know, so we read each file's state dict ourselves, rename every key, check
/// each shape against the module before copying (a mismatch in native code would abort the process), and fail
/// with the file and key on anything missing, unexpected or mis-shaped.
/// </summary>
public static class WeightLoader
{
    public static void Load(nn.Module module, IReadOnlyList<string> files, WeightNames names, IReadOnlySet<string>? optional = null)
    {
        var targets = module.state_dict();
        var loaded = new HashSet<string>();
        var unexpected = new List<string>();

        using (torch.no_grad())
        {
            foreach (string file in files)
            {
                Dictionary<string, Tensor> tensors;
                try
                {
                    tensors = Safetensors.LoadStateDict(file);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    throw new ModelLoadException($"{file}: cannot read safetensors ({e.Message}).", e);
                }
                try
                {
                    foreach (var (key, source) in tensors)
                    {
                        if (names.IsIgnored(key)) continue;
                        string name = names.Map(key);
                        if (!targets.TryGetValue(name, out var target))
                        {
                            // A tied checkpoint may still carry lm_head.weight; the model reads the embeddings instead.
                            if (name != "lm_head.weight") unexpected.Add($"{key} (as {name})");
                            continue;
                        }
                        if (!source.shape.SequenceEqual(target.shape))
                            throw new ModelLoadException(
                                $"{Path.GetFileName(file)}: tensor '{key}' has shape [{string.Join(", ", source.shape)}], " +
                                $"but the config implies [{string.Join(", ", target.shape)}] for {name}.");
                        if (!source.is_floating_point())
                            throw new ModelLoadException($"{Path.GetFileName(file)}: tensor '{key}' has dtype {source.dtype}; floating point expected.");
                        if (!loaded.Add(name))
                            throw new ModelLoadException($"{Path.GetFileName(file)}: '{name}' is stored twice (second time as '{key}').");
                        target.copy_(source);
                    }
                }
                finally
                {
                    foreach (var t in tensors.Values) t.Dispose();
                }
            }
        }

        if (unexpected.Count > 0)
            throw new ModelLoadException(
                $"The checkpoint has {unexpected.Count} tensor(s) the architecture does not know, e.g. {string.Join(", ", unexpected.Take(5))}. " +
                "Is config.json for this checkpoint?");
        var missing = targets.Keys.Where(k => !loaded.Contains(k) && !(optional?.Contains(k) ?? false)).ToList();
        if (missing.Count > 0)
            throw new ModelLoadException(
                $"The checkpoint lacks {missing.Count} tensor(s), e.g. {string.Join(", ", missing.Take(5))} (names after mapping to the current layout).");
    }
}
