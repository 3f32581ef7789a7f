#pragma once
// Lecture mode: a core::Lecture stepped through in the main window. Entering a step loads its scenario
// (as the Presets menu does), sets its camera, speed, panels, overlays and caption, and plays or pauses;
// the worker pauses at pause_at; the published frames' t drives the loop and the changes (applied as the
// parameter dock's edits). While a lecture is open, an application-wide event filter gives the
// clicker keys to the lecture wherever the focus is, and errors show as a banner over the view instead of
// a dialog. The Lecture menu prepares lectures: add the current state as a step, the step list, save,
// open. GUI thread only.
#include "core/Frame.h"
#include "core/Lecture.h"

#include <QImage>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>
#include <QTimer>

#include <memory>
#include <optional>

class QKeyEvent;
class QLabel;
class QMenu;
class QWidget;

namespace attnsphere::ui {

class MainWindow;
class LectureStepsDialog;

class LectureController : public QObject {
    Q_OBJECT
public:
    explicit LectureController(MainWindow* window);
    ~LectureController() override;

    QMenu* menu() const { return m_menu; }
    // The lecture keys, as Help → Keyboard shortcuts lists them.
    static QString keysText();
    // The panel ids and overlay names a lecture file may name (the render layer's tables).
    static std::vector<std::string> panelIds();
    static std::vector<std::string> overlayNames();
    // A lecture file, or "builtin" / a built-in lecture's id (core::loadLecture with the tables above).
    static core::Lecture load(const std::string& fileOrBuiltin);

    // Opens a lecture at `step` (0-based) and takes the keys; `path` is where Save writes ("" : ask).
    void open(core::Lecture lecture, const QString& path, int step = 0);
    void close();
    bool isOpen() const { return m_open; }
    const core::Lecture& lecture() const { return m_lecture; }
    QString path() const { return m_path; }
    int current() const { return m_current; }  // 0-based; -1 before the first step
    int stepCount() const { return static_cast<int>(m_lecture.steps.size()); }
    // Enters step `index` (0-based); false when out of range or its scenario fails (a banner says why).
    bool goTo(int index);
    void next();
    void previous();
    bool isBlank() const;
    void setBlank(bool blank);
    void showStepInfo();

    // Bookmarks: the current state (positions as an embedded scenario, camera, shown panels) as a new
    // step after the current one; the caption's title is `title`, else "Step k". Returns its index.
    int addCurrentStateAsStep(const QString& title = {});
    void moveStep(int from, int to);
    void removeStep(int index);
    void setStepTitle(int index, const QString& title);
    bool saveTo(const QString& path);  // reports a failure in the banner / a dialog; false then

    // What is shown over the view (tests, screenshots).
    QWidget* captionWidget() const;
    QWidget* formulaWidget() const;
    QWidget* bannerWidget() const;
    QWidget* blankWidget() const;
    QWidget* stepInfoWidget() const;
    QString bannerText() const;
    QString stepInfoText() const;
    // The window as shown, the GL view and the native overlays over it included.
    QImage grabWindow();

signals:
    void stepEntered(int index);
    void stepsChanged();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    enum class Key { None, Next, Previous, Blank, Info, Play, Digit, Enter, Escape };
    Key keyOf(const QKeyEvent& key) const;
    bool isOurs(QObject* watched) const;
    void press(Key key, const QKeyEvent& event);
    void onFrame(const std::shared_ptr<const core::Frame>& frame);
    void loopBack(double from);
    void showBanner(const QString& text);
    void showCaption(const core::LectureCaption& caption);
    void placeOverlays();
    void updateOverlayLine(const core::Frame& frame);
    void buildMenu();
    void openFromDialog();
    void addFromMenu();
    void save(bool ask);
    QString stepLabel(int index) const;

    MainWindow* m_window;
    QMenu* m_menu = nullptr;
    core::Lecture m_lecture;
    QString m_path;
    bool m_open = false;
    bool m_presentationBefore = false;  // the window's presentation mode before the lecture opened
    QStringList m_docksBefore;          // and the docks it showed
    int m_current = -1;
    QString m_typed;  // digits typed for a jump

    // The entered step's run: its scripted moments still to come.
    bool m_confirmed = false;  // the worker has confirmed a scenario since the step was entered
    bool m_armed = false;      // a frame of the step's own run has arrived
    std::size_t m_nextChange = 0;
    bool m_looping = false;  // a loop's fork is on its way
    // The view resets its camera when the dimension changes: the step's camera is set again after the
    // view has painted the step's first frame (its paint count then).
    std::optional<long long> m_cameraAfterPaint;

    core::LectureCaption m_shownCaption;  // drawn by render/Caption at the window's size and theme
    QLabel *m_caption, *m_formula, *m_banner, *m_info, *m_overlayLine;
    QWidget* m_blank;
    QTimer m_bannerTimer, m_infoTimer, m_cameraTimer;
    QPointer<LectureStepsDialog> m_stepsDialog;
};

}  // namespace attnsphere::ui
