using Gen;
using static TorchSharp.torch;

namespace CourseLearner;

/// <summary>
/// The 2022 course's TrainCB: a callback that provides the five steps of a batch. This one spells out what the
/// Learner does by default, for a model with one input and one target; change any step to change the loop.
/// </summary>
public sealed partial class TrainCB : Callback, IPredict, IGetLoss, IBackward, IStep, IZeroGrad
{
    public void Predict(Learner learn) => learn.Pred = ((nn.Module<Tensor, Tensor>)learn.Model).forward(learn.Xb!);
    public void GetLoss(Learner learn) => learn.LossGrad = learn.LossFunc(learn.Pred!, learn.Yb!);
    public void Backward(Learner learn) => learn.LossGrad!.backward();
    public void Step(Learner learn) => learn.Opt!.Step();
    public void ZeroGrad(Learner learn) => learn.Opt!.ZeroGrad();
}
