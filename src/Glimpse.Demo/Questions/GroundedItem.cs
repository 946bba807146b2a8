using Glimpse.Demo.Scenes;

namespace Glimpse.Demo.Questions;

/// <summary>
/// A scene with a question, its answer and the objects the answer depends on. The evidence is empty where the answer
/// rests on an absence ("No, there is no yellow star.", "There are no squares."): nothing in the image can be pointed
/// at, so such items carry an empty mask and the tag evidence=none.
/// </summary>
public sealed record GroundedItem(int Seed, Scene Scene, SceneQuestion Asked)
{
    public QuestionKind Kind => Asked.Kind;
    public string Question => Asked.Question;
    public string Answer => Asked.Answer;
    public IReadOnlyList<int> EvidenceObjects => Asked.EvidenceObjects;
    public bool HasEvidence => EvidenceObjects.Count > 0;
}
